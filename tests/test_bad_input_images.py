"""Bad or unusual training images: odd modes load, broken files are skipped, nothing crashes.

Per-file problems (a truncated JPEG, a decompression bomb) are skipped with a one-line warning
naming the file; a folder with nothing usable is a clean error (exit 2) naming the folder. Unusual
but valid pictures (1x1, 16-bit, CMYK, palette, alpha, animated GIF) load as RGB.
"""

from __future__ import annotations

import io
import logging
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from reliability_support import assert_clean_error

from dnagan.errors import InputError
from dnagan.images import load_images

SIZE = 16


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def bomb_png(width: int = 40_000, height: int = 40_000) -> bytes:
    """A tiny PNG whose header claims ``width x height`` RGB pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", idat)
            + _png_chunk(b"IEND", b""))


def _encoded(image: Image.Image, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _gradient(mode: str = "RGB", size: int = 32) -> Image.Image:
    ramp = np.linspace(0, 255, size * size * 3).reshape(size, size, 3).astype(np.uint8)
    return Image.fromarray(ramp).convert(mode)


def _animated_gif() -> bytes:
    frames = [Image.new("RGB", (24, 24), colour) for colour in ("red", "blue", "green")]
    return _encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50)


def _sixteen_bit_png() -> bytes:
    values = (np.arange(32 * 32, dtype=np.uint16).reshape(32, 32) * 60).astype(np.uint16)
    image = Image.fromarray(values)
    assert image.mode.startswith("I;16")
    return _encoded(image, "PNG")


VALID: dict[str, tuple[str, Any]] = {
    "one-pixel": ("one.png", lambda: _encoded(Image.new("RGB", (1, 1), "orange"), "PNG")),
    "sixteen-bit-png": ("deep.png", _sixteen_bit_png),
    "cmyk-jpeg": ("cmyk.jpg", lambda: _encoded(_gradient("CMYK"), "JPEG")),
    "palette-png": ("palette.png", lambda: _encoded(_gradient("P"), "PNG")),
    "alpha-png": ("alpha.png", lambda: _encoded(_gradient("RGBA"), "PNG")),
    "grey-alpha-png": ("la.png", lambda: _encoded(_gradient("LA"), "PNG")),
    "animated-gif": ("anim.gif", _animated_gif),
    "greyscale-jpeg": ("grey.jpg", lambda: _encoded(_gradient("L"), "JPEG")),
}


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.mark.parametrize("case", sorted(VALID))
def test_unusual_but_valid_image_loads(tmp_path: Path, cache: Path, case: str) -> None:
    name, make = VALID[case]
    folder = tmp_path / "images"
    folder.mkdir()
    (folder / name).write_bytes(make())
    loaded = load_images(folder, SIZE, cache_dir=cache)
    assert loaded.images.shape == (1, SIZE, SIZE, 3) and loaded.images.dtype == np.uint8
    assert loaded.skipped == 0


def test_animated_gif_gives_its_first_frame(tmp_path: Path, cache: Path) -> None:
    (tmp_path / "anim.gif").write_bytes(_animated_gif())
    image = load_images(tmp_path, SIZE, cache_dir=cache).images[0]
    red, green, blue = (int(c) for c in image.reshape(-1, 3).mean(axis=0))
    assert red > 200 and green < 40 and blue < 40


def test_transparency_is_composited_on_white(tmp_path: Path, cache: Path) -> None:
    clear = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    (tmp_path / "clear.png").write_bytes(_encoded(clear, "PNG"))
    image = load_images(tmp_path, SIZE, cache_dir=cache).images[0]
    assert int(image.min()) == 255


@pytest.mark.parametrize("case", ["truncated-jpeg", "decompression-bomb", "junk-with-png-name"])
def test_broken_file_is_skipped_with_a_warning_naming_it(
    tmp_path: Path, cache: Path, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    good = _encoded(_gradient(), "JPEG")
    broken = {
        "truncated-jpeg": ("broken.jpg", good[: len(good) // 2]),
        "decompression-bomb": ("bomb.png", bomb_png()),
        "junk-with-png-name": ("junk.png", b"not an image at all" * 10),
    }[case]
    (tmp_path / "good.jpg").write_bytes(good)
    (tmp_path / broken[0]).write_bytes(broken[1])
    with caplog.at_level(logging.WARNING):
        loaded = load_images(tmp_path, SIZE, cache_dir=cache)
    assert loaded.skipped == 1 and len(loaded.images) == 1
    warnings = [r.getMessage() for r in caplog.records if broken[0] in r.getMessage()]
    assert len(warnings) == 1 and "\n" not in warnings[0]


def test_bomb_limit_holds_without_pillow_warnings(tmp_path: Path, cache: Path) -> None:
    (tmp_path / "bomb.png").write_bytes(bomb_png(12_000, 12_000))  # over the limit, under 2x
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputError, match="could be read"):
            load_images(tmp_path, SIZE, cache_dir=cache)


# --- folder-level problems, through the CLI -------------------------------------------------------


def _folder(tmp_path: Path, case: str) -> Path:
    folder = tmp_path / "images"
    if case == "not-a-folder":
        folder.write_bytes(b"plain text, not a folder or zip")
        return folder
    folder.mkdir()
    if case == "non-images":
        (folder / "notes.txt").write_text("hello")
        (folder / "data.csv").write_text("a,b\n1,2\n")
    elif case == "only-broken-images":
        (folder / "a.png").write_bytes(b"junk")
        (folder / "b.jpg").write_bytes(_encoded(_gradient(), "JPEG")[:40])
    elif case == "only-a-bomb":
        (folder / "bomb.png").write_bytes(bomb_png())
    elif case == "corrupt-zip":
        folder.rmdir()
        folder = tmp_path / "images.zip"
        folder.write_bytes(b"PK\x03\x04" + b"\0" * 40)
    return folder


FOLDER_CASES = {
    "empty-folder": "no image files",
    "non-images": "no image files",
    "only-broken-images": "none of the 2 image files could be read",
    "only-a-bomb": "none of the 1 image files could be read",
    "not-a-folder": "not a folder or a .zip",
    "corrupt-zip": "images.zip",
}


@pytest.mark.parametrize("case", sorted(FOLDER_CASES))
def test_unusable_image_source_is_a_clean_error(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    monkeypatch.setenv("DNAGAN_CACHE_DIR", str(tmp_path / "cache"))
    source = _folder(tmp_path, case)
    result = cli("run", "--encoder", "average", "--preset", "smoke", "--evaluators", "none",
                 "--images", str(source), "--out", str(tmp_path / "run"))
    assert_clean_error(result, str(source), FOLDER_CASES[case])


class _StubExtractor:
    """Stands in for Inception in ``dnagan fid``: consumes the images, returns random features."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.dims = 8

    def features(self, images: Any) -> np.ndarray:
        count = sum(1 for _ in images)
        return np.random.default_rng(0).normal(size=(count, self.dims))


def _fid_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad_images: int = 3
) -> tuple[Path, Path]:
    """Two folders for ``dnagan fid`` (with Inception stubbed out): 3 good, ``bad_images`` good."""
    monkeypatch.setattr("dnagan.evaluation.inception.InceptionFeatures", _StubExtractor)
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir()
    bad.mkdir()
    for index in range(3):
        (good / f"{index}.png").write_bytes(_encoded(_gradient(), "PNG"))
    for index in range(bad_images):
        (bad / f"{index}.png").write_bytes(_encoded(_gradient(), "PNG"))
    return good, bad


@pytest.mark.parametrize("case", ["truncated-jpeg", "junk-png", "empty-folder"])
def test_fid_folder_problems_are_clean_errors(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    good, bad = _fid_folders(tmp_path, monkeypatch, 0 if case == "empty-folder" else 3)
    if case == "truncated-jpeg":
        (bad / "z.jpg").write_bytes(_encoded(_gradient(), "JPEG")[:200])
    elif case == "junk-png":
        (bad / "z.png").write_bytes(b"junk" * 10)
    result = cli("fid", str(good), str(bad), "--device", "cpu")
    assert_clean_error(result, str(bad))


def test_fid_folder_with_a_bomb_is_a_clean_error(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good, bad = _fid_folders(tmp_path, monkeypatch)
    (bad / "z.png").write_bytes(bomb_png())
    result = cli("fid", str(good), str(bad), "--device", "cpu")
    assert_clean_error(result, "z.png")
