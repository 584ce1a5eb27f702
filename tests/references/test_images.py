"""Reference images: only the pixels of an upload reach the site, upright, at responsive widths."""

from __future__ import annotations

import hashlib
import re
from fractions import Fraction
from io import BytesIO

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo

from joans.references.images import (
    MAX_UPLOAD_BYTES,
    ImageRefused,
    ProcessedImage,
    Variant,
    process_image,
    srcset,
)
from tests.references.pictures import (
    BLUE,
    GREEN,
    RED,
    WHITE,
    XMP,
    encode,
    exif,
    halves,
    icc_profile_swapping_red_and_green,
    photo,
    png_header,
)


def reopen(variant: Variant) -> Image.Image:
    image = Image.open(BytesIO(variant.data))
    image.load()
    return image


def widths(processed: ProcessedImage, image_format: str) -> list[int]:
    return [variant.width for variant in processed.of_format(image_format)]


def assert_close(colour, expected, tolerance=40):
    """Lossy encoding shifts colours a little; a wrong turn or channel shifts them a lot."""
    assert all(abs(got - want) <= tolerance for got, want in zip(colour, expected, strict=True))


@pytest.mark.parametrize(
    "upload",
    [
        pytest.param(lambda: photo(2000, 1500), id="jpeg"),
        pytest.param(lambda: photo(2000, 1500, "WEBP"), id="webp"),
        pytest.param(
            lambda: encode(
                halves(2000, 1500, mode="RGBA"),
                "PNG",
                exif=exif(),
                pnginfo=_png_text_with_xmp(),
                icc_profile=icc_profile_swapping_red_and_green(),
            ),
            id="png",
        ),
    ],
)
def test_every_variant_is_free_of_metadata(upload):
    """EXIF (GPS, camera, owner), XMP and the ICC profile of the upload are in no variant."""
    data = upload()
    original = Image.open(BytesIO(data))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the upload really has them
    assert {"xmp", "icc_profile"} <= set(original.info) or "XML:com.adobe.xmp" in original.info

    processed = process_image(data)

    assert len(processed.variants) == 8
    for variant in processed.variants:
        image = reopen(variant)
        assert len(image.getexif()) == 0
        assert not {"exif", "xmp", "icc_profile", "XML:com.adobe.xmp"} & set(image.info)
        assert b"Anna Svensson" not in variant.data
        assert b"Exif" not in variant.data


def _png_text_with_xmp() -> PngInfo:
    info = PngInfo()
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    return info


def test_exif_orientation_turns_the_image_upright():
    """Orientation 6 (turn 90° clockwise): the stored left half ends up on top."""
    processed = process_image(photo(2000, 1000, orientation=6))

    assert processed.aspect_ratio == Fraction(1, 2)
    assert widths(processed, "webp") == widths(processed, "jpeg") == [480, 800, 1000]
    for variant in processed.variants:
        image = reopen(variant).convert("RGB")
        assert image.size == (variant.width, variant.height) == (variant.width, variant.width * 2)
        assert_close(image.getpixel((variant.width // 2, variant.height // 8)), RED)
        assert_close(image.getpixel((variant.width // 2, variant.height * 7 // 8)), BLUE)


def test_a_large_image_gets_every_width_in_webp_and_jpeg():
    """Each width as WebP and as a progressive JPEG, in RGB, keeping the aspect ratio."""
    processed = process_image(photo(3200, 2400))

    assert widths(processed, "webp") == widths(processed, "jpeg") == [480, 800, 1200, 1600]
    assert [variant.height for variant in processed.of_format("webp")] == [360, 600, 900, 1200]
    assert (processed.width, processed.height, processed.aspect_ratio) == (
        1600,
        1200,
        Fraction(4, 3),
    )
    for variant in processed.of_format("webp"):
        image = reopen(variant)
        assert (image.format, image.mode, variant.media_type) == ("WEBP", "RGB", "image/webp")
    for variant in processed.of_format("jpeg"):
        image = reopen(variant)
        assert (image.format, image.mode, variant.media_type) == ("JPEG", "RGB", "image/jpeg")
        assert image.info.get("progressive")
    assert processed.largest("jpeg").width == 1600


@pytest.mark.parametrize(
    ("size", "expected"),
    [((300, 200), [300]), ((1000, 500), [480, 800, 1000]), ((1600, 900), [480, 800, 1200, 1600])],
)
def test_an_image_is_never_upscaled(size, expected):
    """No variant is wider than the upload; a narrower upload is given at its own width."""
    processed = process_image(encode(halves(*size), "PNG"))

    assert widths(processed, "webp") == widths(processed, "jpeg") == expected
    assert processed.width == expected[-1]


def test_file_names_are_content_hashes_and_deterministic():
    """The same upload gives the same names; the name is the hash of the bytes it names."""
    first, second = process_image(photo(1000, 800)), process_image(photo(1000, 800))
    other = process_image(photo(1000, 800, orientation=3))  # turned: other pixels

    assert [variant.name for variant in first.variants] == [v.name for v in second.variants]
    assert not {variant.name for variant in first.variants} & {v.name for v in other.variants}
    for variant in first.variants:
        digest = hashlib.sha256(variant.data).hexdigest()[:16]
        assert variant.name == f"{digest}-{variant.width}.{variant.format}"
        assert re.fullmatch(r"[0-9a-f]{16}-\d+\.(webp|jpeg)", variant.name)


def test_transparency_becomes_white():
    """A PNG with alpha is laid on white: JPEG has no alpha, and the page is white."""
    image = halves(600, 300, left=(0, 0, 0, 0), right=(*RED, 255), mode="RGBA")
    processed = process_image(encode(image, "PNG"))

    for variant in processed.variants:
        pixels = reopen(variant)
        assert pixels.mode == "RGB"
        assert_close(pixels.getpixel((10, 10)), WHITE)
        assert_close(pixels.getpixel((variant.width - 10, 10)), RED)


def test_a_palette_png_with_a_transparent_colour_becomes_white_there():
    """A transparent palette entry is transparency too."""
    image = halves(600, 300).convert("P", palette=Image.Palette.ADAPTIVE, colors=2)
    transparent = image.getpixel((10, 150))
    processed = process_image(encode(image, "PNG", transparency=transparent))

    pixels = reopen(processed.largest("webp"))
    assert_close(pixels.getpixel((10, 150)), WHITE)
    assert_close(pixels.getpixel((590, 150)), BLUE)


def test_a_sixteen_bit_grey_png_keeps_its_tones():
    """Mid-grey at 16 bits stays mid-grey, not clipped to white."""
    processed = process_image(encode(Image.new("I;16", (500, 300), 32768), "PNG"))

    assert_close(reopen(processed.largest("jpeg")).getpixel((250, 150)), (128, 128, 128), 8)


def test_the_colour_profile_is_applied_then_dropped():
    """Pixels are converted to sRGB through the embedded profile, so colours look the same."""
    data = encode(halves(600, 300), "JPEG", icc_profile=icc_profile_swapping_red_and_green())
    processed = process_image(data)

    for variant in processed.variants:
        pixels = reopen(variant)
        assert "icc_profile" not in pixels.info
        assert_close(pixels.getpixel((10, 150)), GREEN, 60)


def test_an_unreadable_colour_profile_is_dropped_and_the_pixels_kept():
    """A profile littleCMS cannot read is no reason to refuse a photo: it is taken as sRGB."""
    data = encode(halves(600, 300), "JPEG", icc_profile=b"not a colour profile" * 10)
    processed = process_image(data)

    pixels = reopen(processed.largest("jpeg"))
    assert "icc_profile" not in pixels.info
    assert_close(pixels.getpixel((10, 150)), RED)


def test_a_cmyk_jpeg_comes_out_in_rgb():
    """Print-ready CMYK files are converted: cyan stays cyan, yellow stays yellow."""
    cmyk = halves(600, 300, left=(255, 0, 0, 0), right=(0, 0, 255, 0), mode="CMYK")
    processed = process_image(encode(cmyk, "JPEG"))

    pixels = reopen(processed.largest("webp"))
    assert pixels.mode == "RGB"
    assert_close(pixels.getpixel((10, 150)), (0, 255, 255))
    assert_close(pixels.getpixel((590, 150)), (255, 255, 0))


def test_a_phone_jpeg_with_a_preview_image_is_accepted():
    """Phones save JPEGs with a second image (MPO); the main image is the one used."""
    data = encode(halves(1000, 500), "MPO", save_all=True, append_images=[halves(200, 100)])
    assert Image.open(BytesIO(data)).format == "MPO"

    processed = process_image(data)

    assert widths(processed, "jpeg") == [480, 800, 1000]
    assert_close(reopen(processed.largest("jpeg")).getpixel((990, 250)), BLUE)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            b"Hello, this is a text file called photo.jpg\n",
            "This is not a JPEG, PNG or WebP image.",
        ),
        (b"", "This is not a JPEG, PNG or WebP image."),
        (encode(halves(100, 100), "GIF"), "This is not a JPEG, PNG or WebP image."),
        (encode(halves(100, 100), "BMP"), "This is not a JPEG, PNG or WebP image."),
        (
            photo(800, 600)[:3000],
            "The image is damaged or incomplete. Save it again and upload the new file.",
        ),
        (
            encode(halves(800, 600), "PNG")[:-40],
            "The image is damaged or incomplete. Save it again and upload the new file.",
        ),
        # Over our limit, under Pillow's: refused before any pixel is decoded.
        (png_header(9000, 9000), "The image has too many pixels: at most 50 megapixels."),
        # A few bytes claiming ten gigapixels: Pillow's own bomb check stops it in open().
        (png_header(100_000, 100_000), "The image has too many pixels: at most 50 megapixels."),
        (b"\xff\xd8\xff" + bytes(MAX_UPLOAD_BYTES), "The file is larger than 20 MB."),
    ],
    ids=[
        "text-named-jpg",
        "empty",
        "gif",
        "bmp",
        "truncated-jpeg",
        "truncated-png",
        "too-many-pixels",
        "decompression-bomb",
        "too-large",
    ],
)
def test_a_bad_upload_is_refused_with_a_reason(data, reason):
    """Anything but a whole JPEG, PNG or WebP of sensible size is refused, and says why."""
    with pytest.raises(ImageRefused) as refused:
        process_image(data)

    assert str(refused.value.args[0]) == reason
    assert isinstance(refused.value, ValueError)  # so joans.validation.Normalised can show it


def test_the_size_limits_can_be_set():
    """A caller can be stricter than the defaults."""
    with pytest.raises(ImageRefused, match="larger than 1 MB"):
        process_image(b"\xff\xd8\xff" + bytes(1_000_000), max_bytes=1_000_000)
    with pytest.raises(ImageRefused, match="at most 2 megapixels"):
        process_image(photo(2000, 1001), max_pixels=2_000_000)
    assert widths(process_image(photo(1000, 500), widths=(320, 640)), "webp") == [320, 640]


def test_srcset_lists_each_variant_with_its_width():
    """The srcset value for one format, with URLs from the caller."""
    processed = process_image(photo(1000, 500))

    value = srcset(processed.of_format("webp"), lambda name: f"/bilder/{name}")

    names = [variant.name for variant in processed.of_format("webp")]
    assert value == f"/bilder/{names[0]} 480w, /bilder/{names[1]} 800w, /bilder/{names[2]} 1000w"


SOUND_FILES = {
    "jpeg": photo(240, 160),
    "webp": photo(240, 160, "WEBP"),
    "png": encode(halves(240, 160, mode="RGBA"), "PNG", exif=exif()),
    "palette-png": encode(halves(240, 160).convert("P"), "PNG", transparency=0),
}


@given(
    kind=st.sampled_from(sorted(SOUND_FILES)),
    damage=st.lists(
        st.tuples(st.integers(min_value=0, max_value=2_000), st.integers(0, 255)),
        min_size=1,
        max_size=8,
    ),
    cut=st.one_of(st.none(), st.integers(min_value=0, max_value=4_000)),
)
@settings(max_examples=150, deadline=None)
# Pillow warns about EXIF it cannot parse; the image is used all the same, without its EXIF.
@pytest.mark.filterwarnings("ignore::UserWarning:PIL.TiffImagePlugin")
def test_a_damaged_file_is_refused_or_used_never_an_error(kind, damage, cut):
    """Bytes overwritten or cut off anywhere: the upload is processed or refused with a reason."""
    data = bytearray(SOUND_FILES[kind])
    for position, value in damage:
        data[position % len(data)] = value
    data = data[:cut]
    try:
        processed = process_image(bytes(data), widths=(120,))
    except ImageRefused as refused:
        event(str(refused.args[0]))
        return
    assert {variant.format for variant in processed.variants} == {"webp", "jpeg"}
