"""Image folders read exactly as pytorch-fid's command line reads them.

pytorch-fid takes the files directly inside a folder whose extension is one of
:data:`IMAGE_EXTENSIONS` (lower case), sorted, opens each with PIL and converts it to RGB. A path
ending in ``.npz`` holds precomputed ``mu`` and ``sigma`` instead.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from dnagan.errors import InputError
from dnagan.evaluation.frechet import Statistics, feature_statistics
from dnagan.evaluation.inception import InceptionFeatures
from dnagan.images import DECODE_ERRORS, check_pixel_limit

IMAGE_EXTENSIONS = ("bmp", "jpg", "jpeg", "pgm", "png", "ppm", "tif", "tiff", "webp")


def image_files(folder: Path) -> list[Path]:
    """The image files pytorch-fid would read from ``folder``, in its order."""
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder of images or an .npz statistics file")
    return sorted(file for ext in IMAGE_EXTENSIONS for file in folder.glob(f"*.{ext}"))


def read_images(files: Sequence[Path]) -> Iterator[np.ndarray]:
    """Each file as a uint8 ``(h, w, 3)`` RGB array (PIL ``convert("RGB")``).

    A file that is not a readable picture, or one over ``PIL.Image.MAX_IMAGE_PIXELS``, is an
    :class:`InputError` naming it.
    """
    for file in files:
        try:
            with warnings.catch_warnings():  # bombs are refused by check_pixel_limit
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                with Image.open(file) as image:
                    check_pixel_limit(image)
                    pixels = np.asarray(image.convert("RGB"), dtype=np.uint8)
        except DECODE_ERRORS as error:
            raise InputError(f"{file}: not a readable image ({error})") from error
        yield pixels


def load_npz_statistics(path: Path) -> Statistics:
    """``mu`` and ``sigma`` from a pytorch-fid ``.npz`` statistics file (count unknown: 0)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            mu, sigma = np.asarray(data["mu"], np.float64), np.asarray(data["sigma"], np.float64)
    except (OSError, ValueError, KeyError) as error:
        raise InputError(f"{path}: not a statistics file with mu and sigma ({error})") from error
    return Statistics(mu, np.atleast_2d(sigma), 0)


def path_statistics(path: Path, extractor: InceptionFeatures) -> Statistics:
    """Statistics of a folder of images or of an ``.npz`` file, as pytorch-fid computes them."""
    if path.suffix == ".npz":
        return load_npz_statistics(path)
    files = image_files(path)
    if len(files) < 2:
        raise InputError(f"{path}: FID needs at least 2 images, found {len(files)}")
    return feature_statistics(extractor.features(read_images(files)), str(path))
