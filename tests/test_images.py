"""dnagan.images: folders and zips of odd pictures, skipping, the decoded cache, PNG, grids."""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dnagan import images as images_module
from dnagan.errors import ConfigError, InputError
from dnagan.image_cache import cache_root
from dnagan.images import image_grid, load_images, resize_images, save_png


def _gradient(width: int, height: int) -> np.ndarray:
    """A colourful RGB test picture, red growing left to right, green top to bottom."""
    x = np.linspace(0, 255, width, dtype=np.float64)[None, :]
    y = np.linspace(0, 255, height, dtype=np.float64)[:, None]
    red = np.broadcast_to(x, (height, width))
    green = np.broadcast_to(y, (height, width))
    blue = np.full((height, width), 128.0)
    return np.stack([red, green, blue], axis=-1).astype(np.uint8)


def _encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _odd_pictures() -> dict[str, bytes]:
    """Pictures in many modes and formats, keyed by relative name (all readable)."""
    rgb = Image.fromarray(_gradient(40, 30))
    sixteen = Image.fromarray(np.arange(32 * 32, dtype=np.uint16).reshape(32, 32) * 60)
    rgba = rgb.convert("RGBA")
    rgba.putalpha(0)  # fully transparent: composited on white
    palette = rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    frames = [Image.new("RGB", (20, 20), colour) for colour in ("red", "blue")]
    gif = io.BytesIO()
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:], duration=50)
    return {
        "a/rgb.jpg": _encoded(rgb, "JPEG", quality=95),
        "a/b/cmyk.jpeg": _encoded(rgb.convert("CMYK"), "JPEG"),
        "grey16.png": _encoded(sixteen, "PNG"),
        "alpha.png": _encoded(rgba, "PNG"),
        "palette.PNG": _encoded(palette, "PNG"),
        "grey.bmp": _encoded(rgb.convert("L"), "BMP"),
        "pic.webp": _encoded(rgb, "WEBP"),
        "anim.gif": gif.getvalue(),
        "tiny.png": _encoded(Image.new("RGB", (1, 1), (10, 200, 30)), "PNG"),
        "wide.png": _encoded(Image.fromarray(_gradient(90, 10)), "PNG"),
    }


def _broken_files() -> dict[str, bytes]:
    """Files that look like images by name but cannot be decoded, and non-images."""
    jpeg = _encoded(Image.fromarray(_gradient(64, 64)), "JPEG")
    return {
        "truncated.jpg": jpeg[: len(jpeg) // 3],
        "not-really.png": b"hello, this is text",
        "empty.gif": b"",
        "notes.txt": b"ignored: not an image suffix",
        "._resource.jpg": b"macOS resource fork, ignored",
    }


def _write_folder(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


def _write_zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def test_folder_of_odd_modes_loads_all(tmp_path: Path, cache: Path) -> None:
    folder = _write_folder(tmp_path / "pics", _odd_pictures())
    result = load_images(folder, 16, cache_dir=cache)
    assert result.images.shape == (10, 16, 16, 3)
    assert result.images.dtype == np.uint8
    assert result.skipped == 0
    assert result.source == str(folder)
    names = sorted(_odd_pictures())  # sorted relative-name order
    by_name = dict(zip(names, result.images, strict=True))
    assert by_name["alpha.png"].min() >= 250  # transparent -> white
    assert tuple(by_name["tiny.png"][8, 8]) == (10, 200, 30)
    assert np.abs(by_name["anim.gif"][8, 8].astype(int) - (255, 0, 0)).max() <= 3  # first frame
    grey16 = by_name["grey16.png"]
    assert grey16.max() > 100  # 16-bit scaled down, not clipped to a white square
    assert np.all(grey16[..., 0] == grey16[..., 1])


@pytest.mark.parametrize(("mode", "key"), [("L", 0), ("RGB", (0, 0, 0))])
def test_transparent_colour_key_is_composited_on_white(
    tmp_path: Path, cache: Path, mode: str, key: object
) -> None:
    """Grey and RGB PNGs with a tRNS colour key (no alpha channel) become white where keyed."""
    picture = _encoded(Image.new(mode, (8, 8), 0), "PNG", transparency=key)
    folder = _write_folder(tmp_path / "pics", {"keyed.png": picture})
    assert load_images(folder, 4, cache_dir=cache).images.min() == 255


def test_cmyk_jpeg_keeps_colours(tmp_path: Path, cache: Path) -> None:
    rgb = Image.new("RGB", (24, 24), (200, 30, 40))
    folder = _write_folder(tmp_path / "pics", {"c.jpg": _encoded(rgb.convert("CMYK"), "JPEG")})
    pixel = load_images(folder, 8, cache_dir=cache).images[0, 4, 4].astype(int)
    assert np.abs(pixel - (200, 30, 40)).max() < 25


def test_broken_files_are_skipped_and_counted(
    tmp_path: Path, cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = _write_folder(tmp_path / "pics", {**_odd_pictures(), **_broken_files()})
    with caplog.at_level(logging.WARNING, logger="dnagan.images"):
        result = load_images(folder, 16, cache_dir=cache)
    assert len(result.images) == 10
    assert result.skipped == 3  # truncated.jpg, not-really.png, empty.gif
    assert "truncated.jpg" in caplog.text and "not-really.png" in caplog.text


def test_zip_reads_members_in_memory(tmp_path: Path, cache: Path) -> None:
    files = {**_odd_pictures(), **_broken_files(), "../evil.png": _odd_pictures()["tiny.png"]}
    archive = _write_zip(tmp_path / "pics.zip", files)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = load_images(archive, 12, cache_dir=cache)
    assert result.images.shape == (11, 12, 12, 3)
    assert result.skipped == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*before, "cache"])  # no extraction


def test_corrupt_zip_member_is_skipped(tmp_path: Path, cache: Path) -> None:
    good = _odd_pictures()["tiny.png"]
    archive = _write_zip(tmp_path / "c.zip", {"a.png": good, "b.png": good})
    data = bytearray(archive.read_bytes())
    second = data.index(good, data.index(good) + 1)
    data[second + 20] ^= 0xFF  # stored member: its CRC no longer matches
    archive.write_bytes(bytes(data))
    result = load_images(archive, 4, cache_dir=cache)
    assert (len(result.images), result.skipped) == (1, 1)


def test_zip_and_folder_with_same_content_agree(tmp_path: Path, cache: Path) -> None:
    files = _odd_pictures()
    from_folder = load_images(_write_folder(tmp_path / "f", files), 16, cache_dir=cache)
    from_zip = load_images(_write_zip(tmp_path / "f.zip", files), 16, cache_dir=cache)
    assert from_folder.key == from_zip.key  # keyed by names and contents, not location
    np.testing.assert_array_equal(from_folder.images, from_zip.images)


def test_decompression_bomb_is_skipped(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        "small.png": _encoded(Image.new("RGB", (10, 10), "red"), "PNG"),
        "warn.png": _encoded(Image.new("RGB", (120, 120), "blue"), "PNG"),  # > limit
        "error.png": _encoded(Image.new("RGB", (300, 300), "blue"), "PNG"),  # > 2x limit
    }
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    result = load_images(_write_folder(tmp_path / "pics", files), 8, cache_dir=cache)
    assert len(result.images) == 1
    assert result.skipped == 2


def test_second_call_reads_the_cache(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _write_folder(tmp_path / "pics", _odd_pictures())
    first = load_images(folder, 16, cache_dir=cache)
    calls = []
    original = images_module._decode

    def counting(*args: object, **kwargs: object) -> np.ndarray:
        calls.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(images_module, "_decode", counting)
    second = load_images(folder, 16, cache_dir=cache)
    assert calls == []
    assert second.key == first.key
    np.testing.assert_array_equal(second.images, first.images)
    load_images(folder, 8, cache_dir=cache)  # another size: another key, decoded again
    assert len(calls) == 10


def test_changed_content_changes_the_key(tmp_path: Path, cache: Path) -> None:
    folder = _write_folder(tmp_path / "pics", _odd_pictures())
    first = load_images(folder, 16, cache_dir=cache)
    (folder / "tiny.png").write_bytes(_encoded(Image.new("RGB", (1, 1), "black"), "PNG"))
    second = load_images(folder, 16, cache_dir=cache)
    assert second.key != first.key


def test_invalid_cache_file_is_rebuilt(tmp_path: Path, cache: Path) -> None:
    folder = _write_folder(tmp_path / "pics", _odd_pictures())
    first = load_images(folder, 16, cache_dir=cache)
    cached = cache / f"{first.key}.npy"
    np.save(cached, np.zeros((10, 8, 8, 3), dtype=np.uint8))  # wrong shape
    again = load_images(folder, 16, cache_dir=cache)
    np.testing.assert_array_equal(again.images, first.images)
    cached.write_bytes(b"garbage")
    assert load_images(folder, 16, cache_dir=cache).images.shape == (10, 16, 16, 3)
    assert np.load(cached).shape == (10, 16, 16, 3)


def test_default_cache_root_follows_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DNAGAN_CACHE_DIR", str(tmp_path / "root"))
    assert cache_root() == tmp_path / "root" / "images"
    folder = _write_folder(tmp_path / "pics", {"t.png": _odd_pictures()["tiny.png"]})
    result = load_images(folder, 4)
    assert (tmp_path / "root" / "images" / f"{result.key}.npy").is_file()


def test_squash_and_crop_differ(tmp_path: Path, cache: Path) -> None:
    wide = _gradient(200, 50)  # red spans the whole width
    folder = _write_folder(tmp_path / "pics", {"wide.png": _encoded(Image.fromarray(wide), "PNG")})
    crop = load_images(folder, 32, fit="crop", cache_dir=cache).images[0]
    squash = load_images(folder, 32, fit="squash", cache_dir=cache).images[0]
    assert squash[:, 0, 0].mean() < 20 and squash[:, -1, 0].mean() > 235  # all of the width
    assert 70 < crop[:, 0, 0].mean() < 110 and 145 < crop[:, -1, 0].mean() < 185  # the middle


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (None, "no such file or folder"),
        ({}, "no image files"),
        ({"a.txt": b"x"}, "no image files"),
        ({"a.png": b"x", "b.jpg": b"y"}, "none of the 2 image files could be read"),
    ],
)
def test_input_errors_name_the_path(
    tmp_path: Path, cache: Path, files: dict[str, bytes] | None, message: str
) -> None:
    folder = tmp_path / "pics"
    if files is not None:
        folder.mkdir()
        _write_folder(folder, files)
    with pytest.raises(InputError, match=message) as raised:
        load_images(folder, 8, cache_dir=cache)
    assert str(folder) in str(raised.value)


def test_other_bad_sources(tmp_path: Path, cache: Path) -> None:
    text = tmp_path / "file.txt"
    text.write_text("hello")
    with pytest.raises(InputError, match=r"not a folder or a \.zip"):
        load_images(text, 8, cache_dir=cache)
    with pytest.raises(InputError, match="no image files"):
        load_images(_write_zip(tmp_path / "e.zip", {"a.txt": b"x"}), 8, cache_dir=cache)
    with pytest.raises(ConfigError):
        load_images(tmp_path, 0, cache_dir=cache)
    with pytest.raises(ConfigError):
        load_images(tmp_path, 8, fit="stretch", cache_dir=cache)  # type: ignore[arg-type]


def test_load_images_prints_nothing(
    tmp_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load_images(
        _write_folder(tmp_path / "p", {**_odd_pictures(), **_broken_files()}), 8, cache_dir=cache
    )
    assert capsys.readouterr().out == ""


def test_resize_images() -> None:
    batch = np.stack([_gradient(20, 20), _gradient(20, 20)[::-1]])
    out = resize_images(batch, 8)
    assert out.shape == (2, 8, 8, 3) and out.dtype == np.uint8
    assert resize_images(out, 8) is not out
    np.testing.assert_array_equal(resize_images(out, 8), out)
    with pytest.raises(ValueError):
        resize_images(batch.astype(np.float32), 8)


def test_save_png_writes_metadata(tmp_path: Path) -> None:
    target = tmp_path / "out" / "x.png"
    image = _gradient(12, 10)
    save_png(target, image, {"dnagan:record": "seq1", "dnagan:seed": "3"})
    with Image.open(target) as loaded:
        assert loaded.text == {"dnagan:record": "seq1", "dnagan:seed": "3"}  # type: ignore[attr-defined]
        np.testing.assert_array_equal(np.asarray(loaded), image)
    assert [p.name for p in target.parent.iterdir()] == ["x.png"]  # no temp files left


def test_image_grid() -> None:
    batch = np.arange(5 * 2 * 3 * 3, dtype=np.uint8).reshape(5, 2, 3, 3)
    grid = image_grid(batch, 2)
    assert grid.shape == (6, 6, 3)
    np.testing.assert_array_equal(grid[0:2, 3:6], batch[1])
    np.testing.assert_array_equal(grid[4:6, 0:3], batch[4])
    assert not grid[4:6, 3:6].any()
    assert image_grid(batch, 10).shape == (2, 15, 3)


def test_unwritable_cache_is_not_fatal(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be")
    folder = _write_folder(tmp_path / "pics", {"t.png": _odd_pictures()["tiny.png"]})
    with caplog.at_level(logging.WARNING, logger="dnagan.image_cache"):
        result = load_images(folder, 4, cache_dir=blocker / "cache")
    assert result.images.shape == (1, 4, 4, 3)
    assert "could not write the image cache" in caplog.text
