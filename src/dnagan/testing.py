"""Helpers for testing dnagan and dnagan plugins.

``invoke_cli`` runs the command line in-process; ``registered_plugin`` registers a plugin object for
the duration of a ``with`` block; ``check_encoder`` is a conformance check for encoder plugins.
``check_evaluator`` and ``check_generator`` do the same for evaluators and generator
architectures; ``isolated_plugins`` loads only the built-ins plus the given plugins inside a block.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from typer.testing import CliRunner

from dnagan.plugins import register_plugin, unregister_plugin


@dataclass
class CliResult:
    """Outcome of :func:`invoke_cli`."""

    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None


def invoke_cli(args: Sequence[str]) -> CliResult:
    """Run ``dnagan ARGS`` in-process and capture its exit code, stdout and stderr."""
    from dnagan.cli import app, configure_logging

    configure_logging()
    result = CliRunner().invoke(app, list(args), prog_name="dnagan")
    exception = result.exception if not isinstance(result.exception, SystemExit) else None
    return CliResult(result.exit_code, result.stdout, result.stderr, exception)


@contextmanager
def registered_plugin(plugin: object, name: str = "test-plugin") -> Iterator[None]:
    """Register ``plugin`` (a module or an object with hook implementations) inside the block."""
    register_plugin(plugin, name)
    try:
        yield
    finally:
        unregister_plugin(name)


# --- encoder conformance -------------------------------------------------------------------------

_BASES = "ACGT"


def _conformance_sequences() -> list[str]:
    """A fixed corpus: random reads of varied length, homopolymers, a repeat and a long sequence."""
    import numpy as np

    rng = np.random.default_rng(20210401)
    lengths = [20, 37, 64, 100, 150, 151, 250, 300]
    reads = ["".join(rng.choice(list(_BASES), size=n)) for n in lengths]
    homopolymers = [base * 60 for base in _BASES]
    repeat = "AC" * 40
    long_read = "".join(rng.choice(list(_BASES), size=20_000))
    return [*reads, *homopolymers, repeat, long_read]


def _describe_sequence(sequences: Sequence[str], index: int) -> str:
    # Never show raw DNA in a message: position and length only.
    return f"sequence {index + 1} (length {len(sequences[index])})"


def _encode_verified(encoder: Any, sequences: Sequence[str], what: str) -> Any:
    import numpy as np

    label = f"encoder {getattr(encoder, 'name', type(encoder).__name__)!r}"
    try:
        result = encoder.encode(list(sequences))
    except Exception as error:
        raise AssertionError(
            f"{label} raised {type(error).__name__} on {what}: {error}"
        ) from error
    assert isinstance(result, np.ndarray), (
        f"{label} returned {type(result).__name__} on {what}, expected a numpy array"
    )
    expected = (len(sequences), encoder.dim)
    assert result.shape == expected, (
        f"{label} returned shape {result.shape} on {what}, expected {expected} (n, dim)"
    )
    assert result.dtype == np.float32, (
        f"{label} returned dtype {result.dtype} on {what}, expected float32"
    )
    finite = np.isfinite(result).all(axis=1)
    if not finite.all():
        bad = int(np.argmin(finite))
        raise AssertionError(
            f"{label} returned NaN or inf on {what}, {_describe_sequence(sequences, bad)}"
        )
    return result


def _fresh_copy(encoder: Any) -> Any:
    return type(encoder)(encoder.options)


def check_encoder(encoder_or_class: Any, sequences: Sequence[str] | None = None) -> None:
    """Check that an encoder honours the :class:`dnagan.Encoder` contract; AssertionError if not.

    ``encoder_or_class`` is an :class:`~dnagan.Encoder` instance or subclass (a subclass is
    created with default options). The encoder is fitted on ``sequences`` (default: a fixed corpus
    of random reads, homopolymers, a dinucleotide repeat and a 20,000-base sequence) and must then:

    * declare a positive integer ``dim`` and return float32 ``(n, dim)`` arrays, all finite;
    * be deterministic: the same output on a second call and from a fresh, equally fitted instance;
    * restore its fitted state: a fresh instance given ``state_dict()`` encodes identically;
    * encode each sequence independently of the others in the batch;
    * handle a one-base sequence, or refuse it with a :class:`dnagan.DnaganError` (a user error).

    Messages name the failing check and the sequence's position and length, never its bases.
    """
    import numpy as np

    from dnagan.encoders import Encoder
    from dnagan.errors import DnaganError

    if isinstance(encoder_or_class, type):
        assert issubclass(encoder_or_class, Encoder), (
            f"{encoder_or_class.__name__} is not a subclass of dnagan.Encoder"
        )
        encoder = encoder_or_class.from_config({})
    else:
        assert isinstance(encoder_or_class, Encoder), (
            f"{type(encoder_or_class).__name__} is not a dnagan.Encoder"
        )
        encoder = encoder_or_class
    label = f"encoder {getattr(encoder, 'name', type(encoder).__name__)!r}"
    dim = encoder.dim
    assert isinstance(dim, int) and not isinstance(dim, bool) and dim > 0, (
        f"{label} declares dim {dim!r}, expected a positive integer"
    )
    corpus = list(sequences) if sequences is not None else _conformance_sequences()
    assert corpus, "check_encoder needs at least one sequence"

    encoder.fit(corpus)
    first = _encode_verified(encoder, corpus, "the corpus")
    second = _encode_verified(encoder, corpus, "the corpus (second call)")
    assert np.array_equal(first, second), f"{label} is not deterministic: two calls differ"

    twin = _fresh_copy(encoder)
    twin.fit(corpus)
    again = _encode_verified(twin, corpus, "the corpus (fresh instance)")
    assert np.array_equal(first, again), (
        f"{label} is not deterministic: a fresh instance fitted on the same corpus differs"
    )

    restored = _fresh_copy(encoder)
    restored.load_state_dict(encoder.state_dict())
    loaded = _encode_verified(restored, corpus, "the corpus (after load_state_dict)")
    assert np.array_equal(first, loaded), (
        f"{label} encodes differently after state_dict() -> load_state_dict()"
    )

    for index in range(len(corpus)):
        alone = _encode_verified(encoder, corpus[index : index + 1], "a single sequence")
        if not np.allclose(alone[0], first[index], rtol=1e-5, atol=1e-6):
            raise AssertionError(
                f"{label} depends on the rest of the batch: "
                f"{_describe_sequence(corpus, index)} encodes differently alone"
            )

    for base in _BASES:
        try:
            encoder.encode([base])
        except DnaganError:
            continue  # refusing a too-short sequence with a user error is allowed
        except Exception as error:
            raise AssertionError(
                f"{label} raised {type(error).__name__} on a one-base sequence; handle it or "
                f"raise a dnagan.InputError naming the minimum length: {error}"
            ) from error
        _encode_verified(encoder, [base], "a one-base sequence")


# --- plugins in isolation ------------------------------------------------------------------------


@contextmanager
def isolated_plugins(*plugins: object) -> Iterator[Any]:
    """Inside the block: built-in plugins plus ``plugins`` only, no installed third-party ones.

    Each plugin (usually your plugin's module) is registered under its ``__name__``. Yields the
    loaded :class:`dnagan.plugins.Plugins` (``.encoders``, ``.generators``, ``.evaluators``,
    ``.errors``); afterwards the plugins are loaded afresh as before. Use it to test a plugin
    whether or not it is also installed::

        with isolated_plugins(my_plugin) as loaded:
            assert "my-encoder" in loaded.encoders
    """
    import os

    from dnagan.plugins import ENV_PLUGINS, get_plugins, reset_plugins

    previous = os.environ.get(ENV_PLUGINS)
    os.environ[ENV_PLUGINS] = ""
    reset_plugins()
    try:
        for plugin in plugins:
            name = getattr(plugin, "__name__", None) or type(plugin).__name__
            register_plugin(plugin, name)
        yield get_plugins()
    finally:
        if previous is None:
            os.environ.pop(ENV_PLUGINS, None)
        else:
            os.environ[ENV_PLUGINS] = previous
        reset_plugins()


# --- evaluator and generator conformance ---------------------------------------------------------

_METRIC_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _conformance_context() -> Any:
    """A small EvaluationContext: 8 random fakes and reals (64x64), sequences and a generator."""
    import zlib

    import numpy as np

    from dnagan.evaluation import EvaluationContext

    rng = np.random.default_rng(7)
    sequences = ["".join(rng.choice(list(_BASES), size=150)) for _ in range(8)]

    def generate(batch: Sequence[str]) -> np.ndarray:
        seeds = [zlib.crc32(sequence.encode("ascii")) for sequence in batch]
        images = [np.random.default_rng(s).integers(0, 256, (64, 64, 3)) for s in seeds]
        return np.stack(images).astype(np.uint8) if images else np.zeros((0, 64, 64, 3), np.uint8)

    return EvaluationContext(
        fakes=rng.integers(0, 256, (8, 64, 64, 3), dtype=np.uint8),
        reals=rng.integers(0, 256, (8, 64, 64, 3), dtype=np.uint8),
        sequences=sequences,
        generate=generate,
    )


def check_evaluator(evaluator_or_class: Any, context: Any = None) -> dict[str, Any]:
    """Check that an evaluator honours the :class:`dnagan.Evaluator` contract; returns its metrics.

    ``evaluator_or_class`` is an :class:`~dnagan.Evaluator` instance or subclass. It is run twice on
    ``context`` (default: a small :class:`dnagan.evaluation.EvaluationContext` of random 64x64
    images, eight sequences and a deterministic ``generate``) and must return the same non-empty
    flat mapping both times: lower-case ``snake_case`` names -> ``bool``, ``int``, finite ``float``
    or ``str``. Raises AssertionError naming the offending metric.
    """
    import math

    from dnagan.evaluators import Evaluator

    evaluator = evaluator_or_class() if isinstance(evaluator_or_class, type) else evaluator_or_class
    assert isinstance(evaluator, Evaluator), f"{type(evaluator).__name__} is not a dnagan.Evaluator"
    label = f"evaluator {getattr(evaluator, 'name', type(evaluator).__name__)!r}"
    context = context if context is not None else _conformance_context()
    first = evaluator.evaluate(context)
    assert isinstance(first, Mapping) and first, f"{label} returned {first!r}, expected a mapping"
    for key, value in first.items():
        assert isinstance(key, str) and _METRIC_NAME.match(key), (
            f"{label} returned metric name {key!r}; use lower-case snake_case"
        )
        assert isinstance(value, (bool, int, float, str)), (
            f"{label} metric {key!r} is a {type(value).__name__}; return bool, int, float or str "
            "(convert numpy scalars with float() or int())"
        )
        assert not isinstance(value, float) or math.isfinite(value), (
            f"{label} metric {key!r} is {value}, expected a finite number"
        )
    second = evaluator.evaluate(context)
    assert dict(second) == dict(first), f"{label} is not deterministic: two calls differ"
    return dict(first)


def check_generator(
    architecture_or_class: Any, settings: Mapping[str, Any] | None = None, batch: int = 2
) -> None:
    """Check that a generator architecture builds networks of the promised shapes.

    ``settings`` defaults to ``{"variant": "smoke", "latent_dim": 16, "stage1_size": 64,
    "stage2_size": 224}``. Stage 1: ``generator(z)`` gives ``(batch, 3, s1, s1)`` in [-1, 1];
    stage 2: ``generator(image1, z)`` gives ``(batch, 3, s2, s2)`` in [-1, 1]; each discriminator
    gives one finite logit per image (``(batch,)`` or ``(batch, 1)``), and gradients reach each
    generator. Raises AssertionError naming the stage and the problem.
    """
    import torch

    from dnagan.generators import GeneratorArchitecture, StageNetworks

    architecture = architecture_or_class
    if isinstance(architecture, type):
        architecture = architecture()
    assert isinstance(architecture, GeneratorArchitecture), (
        f"{type(architecture).__name__} is not a dnagan.GeneratorArchitecture"
    )
    config = dict(settings or {"variant": "smoke", "latent_dim": 16, "stage1_size": 64,
                               "stage2_size": 224})
    latent_dim, s1, s2 = config["latent_dim"], config["stage1_size"], config["stage2_size"]

    def check_images(images: torch.Tensor, size: int, stage: str) -> None:
        expected = (batch, 3, size, size)
        assert tuple(images.shape) == expected, (
            f"{stage} generator returned shape {tuple(images.shape)}, expected {expected}"
        )
        assert torch.isfinite(images).all(), f"{stage} generator returned NaN or inf"
        low, high = float(images.detach().min()), float(images.detach().max())
        assert low >= -1.0 - 1e-5 and high <= 1.0 + 1e-5, (
            f"{stage} generator returned values in [{low:.3f}, {high:.3f}], expected [-1, 1]"
        )

    def check_logits(networks: StageNetworks, images: torch.Tensor, stage: str) -> None:
        logits = networks.discriminator(images)
        assert tuple(logits.shape) in {(batch,), (batch, 1)}, (
            f"{stage} discriminator returned shape {tuple(logits.shape)}, expected ({batch},)"
        )
        assert torch.isfinite(logits).all(), f"{stage} discriminator returned NaN or inf"
        logits.sum().backward()
        reached = [p.grad is not None for p in networks.generator.parameters() if p.requires_grad]
        assert any(reached), f"{stage} generator: no gradient reaches its weights"

    with torch.random.fork_rng():
        torch.manual_seed(0)
        z = torch.randn(batch, latent_dim)
        stage1 = architecture.build_stage1(config)
        assert isinstance(stage1, StageNetworks), "build_stage1 must return dnagan.StageNetworks"
        image1 = stage1.generator(z)
        check_images(image1, s1, "stage 1")
        check_logits(stage1, image1, "stage 1")
        stage2 = architecture.build_stage2(config)
        assert isinstance(stage2, StageNetworks), "build_stage2 must return dnagan.StageNetworks"
        image2 = stage2.generator(image1.detach(), z)
        check_images(image2, s2, "stage 2")
        check_logits(stage2, image2, "stage 2")
