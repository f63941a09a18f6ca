"""Training images: load a folder or a zip of pictures as one uint8 array, cached; save PNGs; grids.

:func:`load_images` reads every ``.jpg .jpeg .png .webp .bmp .gif`` file of a folder (recursively)
or of a ``.zip`` (members are read in memory, never extracted), in sorted name order. Each picture,
whatever its size or mode, becomes RGB: 16-bit images are scaled to 8 bits, palettes expanded, CMYK
converted, EXIF rotation applied, and transparency composited **on white**; animated GIFs give
their first frame. It is then centre-cropped to a square (``fit="crop"``) or stretched
(``fit="squash"``) and resized with Lanczos. Unreadable, truncated or oversized files
(decompression bombs, see ``PIL.Image.MAX_IMAGE_PIXELS``) are skipped with a logged warning and
counted. The result is cached as a ``.npy`` file keyed by the files' names and contents, the size
and the fit (:mod:`dnagan.image_cache`), so a second call decodes nothing.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

import numpy as np
from PIL import Image, ImageOps, PngImagePlugin, UnidentifiedImageError

from dnagan import image_cache
from dnagan.atomic import write_bytes
from dnagan.errors import ConfigError, InputError

log = logging.getLogger(__name__)

Fit = Literal["crop", "squash"]
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif")
MAX_MEMBER_BYTES = 512 * 1024 * 1024  # a zip member larger than this is skipped, not inflated
_CACHE_FORMAT = "dnagan-images-v2"  # bump when decoding changes
_MAX_WARNINGS = 20
# What reading a file or zip member can raise (bad CRC, encrypted, unsupported compression, ...).
_READ_ERRORS = (
    OSError,
    ValueError,
    EOFError,
    RuntimeError,
    zipfile.BadZipFile,
    zlib.error,
)
#: ... plus what Pillow raises for a corrupt, truncated, unsupported or oversized picture.
DECODE_ERRORS = (
    *_READ_ERRORS,
    SyntaxError,
    struct.error,
    IndexError,
    Image.DecompressionBombError,
)


@dataclass
class ImageSet:
    """Decoded images uint8 (n, size, size, 3), files skipped, cache key and source path."""

    images: np.ndarray
    skipped: int
    key: str
    source: str


@dataclass(frozen=True)
class _Entry:
    """One candidate image: its relative name (never used as a path) and how to read its bytes."""

    name: str
    read: Callable[[], bytes]


def _is_image_name(name: str) -> bool:
    path = PurePosixPath(name)
    if path.name.startswith("._") or "__MACOSX" in path.parts:  # macOS resource forks
        return False
    return path.suffix.lower() in IMAGE_SUFFIXES


def _folder_entries(folder: Path) -> list[_Entry]:
    try:
        files = [p for p in folder.rglob("*") if p.is_file() and _is_image_name(p.name)]
    except OSError as error:
        raise InputError(f"{folder}: cannot list folder ({error.strerror or error})") from error
    named = sorted((p.relative_to(folder).as_posix(), p) for p in files)
    return [_Entry(name, path.read_bytes) for name, path in named]


def _member_reader(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], bytes]:
    def read() -> bytes:
        if info.file_size > MAX_MEMBER_BYTES:
            raise ValueError(f"member larger than {MAX_MEMBER_BYTES} bytes")
        return archive.read(info)

    return read


def _zip_entries(archive: zipfile.ZipFile) -> list[_Entry]:
    members = [i for i in archive.infolist() if not i.is_dir() and _is_image_name(i.filename)]
    members.sort(key=lambda info: info.filename)
    return [_Entry(info.filename, _member_reader(archive, info)) for info in members]


@contextmanager
def _entries(path: Path) -> Iterator[list[_Entry]]:
    """The image entries of a folder or zip, in sorted name order (the zip stays open inside)."""
    if path.is_dir():
        yield _folder_entries(path)
        return
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if not zipfile.is_zipfile(path):
        raise InputError(f"{path}: not a folder or a .zip file")
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise InputError(f"{path}: cannot read zip file ({error})") from error
    with archive:
        yield _zip_entries(archive)


def _to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode -> RGB: 16/32-bit scaled to 8 bits, transparency composited on white."""
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") or values.max(initial=0) > 255 else 255.0
        scaled = np.clip(values * (255.0 / top), 0, 255)
        image = Image.fromarray(np.rint(scaled).astype(np.uint8))
    if image.mode in ("P", "L", "RGB") and "transparency" in image.info:  # PNG tRNS, GIF
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB") if image.mode != "RGB" else image


def check_pixel_limit(image: Image.Image) -> None:
    """Raise ``DecompressionBombError`` for an opened picture over ``PIL.Image.MAX_IMAGE_PIXELS``.

    Pillow itself only warns between one and two times the limit; this refuses before decoding.
    """
    limit = Image.MAX_IMAGE_PIXELS
    if limit is not None and image.width * image.height > limit:
        raise Image.DecompressionBombError(
            f"{image.width}x{image.height} pixels exceeds PIL.Image.MAX_IMAGE_PIXELS"
        )


def _decode(data: bytes, size: int, fit: Fit) -> np.ndarray:
    """Decode one picture to uint8 (size, size, 3); raises one of ``DECODE_ERRORS``."""
    with Image.open(io.BytesIO(data)) as image:
        check_pixel_limit(image)
        image.draft("RGB", (2 * size, 2 * size))  # JPEG: decode at reduced scale, still >= 2x size
        image.load()
        rgb = _to_rgb(ImageOps.exif_transpose(image))
        width, height = rgb.size
        box: tuple[float, float, float, float] = (0, 0, width, height)
        if fit == "crop":
            side = min(width, height)
            left, top = (width - side) / 2, (height - side) / 2
            box = (left, top, left + side, top + side)
        resized = rgb.resize((size, size), Image.Resampling.LANCZOS, box=box)
        return np.asarray(resized, dtype=np.uint8)


def _decode_entry(entry: _Entry, size: int, fit: Fit) -> np.ndarray | str:
    """The decoded image, or the reason it was skipped."""
    try:
        return _decode(entry.read(), size, fit)
    except UnidentifiedImageError:
        return "not a recognised image format"
    except DECODE_ERRORS as error:
        return f"{type(error).__name__}: {error}"


def _digest(entry: _Entry) -> tuple[str, int, str] | None:
    try:
        data = entry.read()
    except _READ_ERRORS:
        return None  # unreadable: hashed as missing, skipped again when decoding
    return entry.name, len(data), hashlib.sha256(data).hexdigest()


def _cache_key(digests: Sequence[tuple[str, int, str] | None], size: int, fit: Fit) -> str:
    hasher = hashlib.sha256(f"{_CACHE_FORMAT}\0{size}\0{fit}\0".encode())
    for index, digest in enumerate(digests):
        hasher.update(repr(digest if digest is not None else ("<unreadable>", index)).encode())
        hasher.update(b"\0")
    return hasher.hexdigest()


def _workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _decode_all(entries: Sequence[_Entry], size: int, fit: Fit, source: Path) -> np.ndarray:
    log.info("decoding %d images from %s at %dx%d", len(entries), source, size, size)
    with warnings.catch_warnings():  # bombs are detected by _decode; keep Pillow's warning quiet
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with ThreadPoolExecutor(_workers()) as pool:
            results = list(pool.map(lambda entry: _decode_entry(entry, size, fit), entries))
    decoded = [r for r in results if isinstance(r, np.ndarray)]
    failures = [(e.name, r) for e, r in zip(entries, results, strict=True) if isinstance(r, str)]
    for name, reason in failures[:_MAX_WARNINGS]:
        log.warning("skipped unreadable image %s (%s)", name, reason)
    if len(failures) > _MAX_WARNINGS:
        log.warning("skipped %d more unreadable images", len(failures) - _MAX_WARNINGS)
    if not decoded:
        raise InputError(f"{source}: none of the {len(entries)} image files could be read")
    return np.stack(decoded)


def _check_arguments(size: int, fit: str) -> None:
    if size < 1:
        raise ConfigError(f"image size must be a positive integer, got {size}")
    if fit not in ("crop", "squash"):
        raise ConfigError(f"unknown fit {fit!r}; valid: crop, squash")


def load_images(
    source: str | Path,
    size: int,
    fit: Fit = "crop",
    cache_dir: Path | None = None,
) -> ImageSet:
    """Load every picture of a folder (recursive) or a ``.zip`` as uint8 (n, size, size, 3).

    See the module docstring for the rules. Decoded arrays are cached under ``cache_dir``
    (default :func:`dnagan.image_cache.cache_root`); a second call with the same files, size and
    fit reads the cache instead of decoding. Raises :class:`InputError` for a missing path, a
    path that is neither a folder nor a zip, no image files, or no readable image.
    """
    _check_arguments(size, fit)
    path = Path(source).expanduser()
    with _entries(path) as entries:
        if not entries:
            raise InputError(f"{path}: no image files ({', '.join(IMAGE_SUFFIXES)})")
        with ThreadPoolExecutor(_workers()) as pool:
            digests = list(pool.map(_digest, entries))
        key = _cache_key(digests, size, fit)
        target = image_cache.cache_file(key, cache_dir)
        images = image_cache.load_cached(target, size, len(entries))
        if images is None:
            images = _decode_all(entries, size, fit, path)
            image_cache.store(target, images)
        else:
            log.info("loaded %d cached images for %s", len(images), path)
    return ImageSet(images=images, skipped=len(entries) - len(images), key=key, source=str(path))


def resize_images(images: np.ndarray, size: int) -> np.ndarray:
    """Resize uint8 images (n, h, w, 3) to (n, size, size, 3) with Lanczos (no crop)."""
    if images.ndim != 4 or images.dtype != np.uint8:
        raise ValueError(f"expected uint8 (n, h, w, 3) images, got {images.dtype} {images.shape}")
    if images.shape[1:3] == (size, size):
        return images.copy()
    out = np.empty((len(images), size, size, images.shape[3]), dtype=np.uint8)
    for index, image in enumerate(images):
        resized = Image.fromarray(image).resize((size, size), Image.Resampling.LANCZOS)
        out[index] = np.asarray(resized)
    return out


def save_png(path: str | os.PathLike[str], image: np.ndarray, metadata: Mapping[str, str]) -> None:
    """Write one uint8 (h, w, 3) image as PNG, atomically, with ``metadata`` as tEXt chunks."""
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected a uint8 (h, w, 3) image, got {image.dtype} {image.shape}")
    info = PngImagePlugin.PngInfo()
    for name, value in metadata.items():
        info.add_text(str(name), str(value))
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", pnginfo=info)
    write_bytes(path, buffer.getvalue())


def image_grid(images: np.ndarray, columns: int) -> np.ndarray:
    """Tile uint8 images (n, h, w, c) into one image, ``columns`` per row (empty cells black)."""
    if images.ndim != 4 or len(images) == 0:
        raise ValueError(f"expected a non-empty (n, h, w, c) array, got shape {images.shape}")
    columns = max(1, min(columns, len(images)))
    rows = -(-len(images) // columns)
    count, height, width, channels = images.shape
    grid = np.zeros((rows * columns, height, width, channels), dtype=images.dtype)
    grid[:count] = images
    grid = grid.reshape(rows, columns, height, width, channels).transpose(0, 2, 1, 3, 4)
    return grid.reshape(rows * height, columns * width, channels)
