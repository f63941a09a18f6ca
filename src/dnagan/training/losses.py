"""GAN objectives on raw discriminator logits: hinge and binary cross-entropy.

BCE follows the paper: real targets carry uniform noise, ``target = 1 - noise * U(0, 1)`` (with
``noise = 0.2`` real targets lie in [0.8, 1.0]); fake targets are 0; the generator aims for 1.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def _flat(logits: Tensor) -> Tensor:
    return logits.float().reshape(logits.shape[0])


def discriminator_loss(
    kind: str,
    real: Tensor,
    fake: Tensor,
    label_noise: float = 0.0,
    generator: torch.Generator | None = None,
) -> Tensor:
    """The discriminator's loss given logits on real and fake images."""
    real, fake = _flat(real), _flat(fake)
    if kind == "hinge":
        return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()
    targets = torch.ones_like(real)
    if label_noise > 0:
        device = generator.device if generator is not None else real.device
        noise = torch.rand(real.shape, generator=generator, device=device).to(real.device)
        targets = targets - label_noise * noise
    return F.binary_cross_entropy_with_logits(
        real, targets
    ) + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))


def generator_loss(kind: str, fake: Tensor) -> Tensor:
    """The generator's loss given the discriminator's logits on its images."""
    fake = _flat(fake)
    if kind == "hinge":
        return -fake.mean()
    return F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))
