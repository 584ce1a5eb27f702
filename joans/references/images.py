"""Reference images: check an upload, keep only its pixels, re-encode them at responsive widths.

A photo from a phone carries the place it was taken (EXIF GPS), the device, often the owner's
name (XMP); none of that may reach the public site. So only the pixels leave an upload: they are
turned upright by the EXIF orientation, converted to sRGB with the embedded ICC profile (which
is then dropped: browsers take an untagged image as sRGB), laid on a plain background, and
encoded anew. The encoders are given no metadata, so none is written.

Pure functions: the caller stores the bytes, under the content-hashed names given here, and can
serve them with a cache lifetime of a year, since a changed image gets a new name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from io import BytesIO
from typing import Protocol

from flask_babel import lazy_gettext as _l
from PIL import ExifTags, Image, ImageCms, ImageOps, UnidentifiedImageError

# Widths for `srcset`: a phone, a tablet or small laptop, a desktop column, a 2x hero.
WIDTHS = (480, 800, 1200, 1600)
MAX_UPLOAD_BYTES = 20_000_000  # 20 MB: a phone's photo is 3-12 MB
# Lower than Pillow's own limit (about 89 megapixels, and only a warning below twice that): a
# 48-50 megapixel phone photo passes, while a small file that decodes to gigabytes does not.
MAX_PIXELS = 50_000_000
# Pillow's names for the formats staff may upload. A phone's JPEG with a second, preview image
# opens as MPO through the JPEG decoder: it is accepted as the JPEG it is.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
BACKGROUND = (255, 255, 255)  # transparent parts become the page's white
WEBP_QUALITY = 80
JPEG_QUALITY = 82
HASH_LENGTH = 16  # hex digits of SHA-256 in a file name: 64 bits, no collisions in practice

# What Pillow's decoders raise on damaged data, past the header's first look.
_DECODER_ERRORS = (OSError, SyntaxError, ValueError, EOFError)
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_MEDIA_TYPES = {"webp": "image/webp", "jpeg": "image/jpeg"}


class ImageRefused(ValueError):
    """The upload is not an image we accept; ``args[0]`` is the translated reason."""


@dataclass(frozen=True)
class Variant:
    """One encoded size of an image, ready to store under ``name``."""

    data: bytes
    width: int
    height: int
    format: str  # "webp" or "jpeg", also the file name's extension
    name: str  # <sha256 prefix>-<width>.<format>

    @property
    def media_type(self) -> str:
        """The Content-Type to serve it with."""
        return _MEDIA_TYPES[self.format]


@dataclass(frozen=True)
class ProcessedImage:
    """Every variant of one upload, and the size the page should reserve for it."""

    width: int  # of the largest variant: the <img> element's width and height attributes
    height: int
    aspect_ratio: Fraction  # of the upright original, reduced: Fraction(4, 3)
    variants: tuple[Variant, ...]

    def of_format(self, image_format: str) -> tuple[Variant, ...]:
        """The variants in one format ("webp" or "jpeg"), narrowest first."""
        return tuple(variant for variant in self.variants if variant.format == image_format)

    def largest(self, image_format: str) -> Variant:
        """The widest variant in one format, for <img src> as the fallback."""
        return self.of_format(image_format)[-1]


class _Sized(Protocol):
    name: str
    width: int


def srcset(variants: Iterable[_Sized], url: Callable[[str], str]) -> str:
    """A `srcset` value, ``url(name) 480w, ...``, for variants of one format (or stored rows)."""
    return ", ".join(f"{url(variant.name)} {variant.width}w" for variant in variants)


def process_image(
    data: bytes,
    *,
    widths: Iterable[int] = WIDTHS,
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_pixels: int = MAX_PIXELS,
) -> ProcessedImage:
    """Check an uploaded image and re-encode it as WebP and JPEG at each width, metadata-free.

    Raises :class:`ImageRefused` with a translated reason for a file that is too large, not a
    JPEG, PNG or WebP image, too many pixels, or damaged. Never upscales: an image narrower
    than a width is given at its own width instead.
    """
    wanted = sorted(set(widths))
    image = _open(data, max_bytes, max_pixels)
    stored_size = image.size
    # A JPEG can be decoded at 1/2, 1/4 or 1/8 of its size for a fraction of the time and
    # memory; draft never goes below the widest variant, whichever way the image is turned.
    image.draft(None, (wanted[-1], wanted[-1]))
    _load(image)
    aspect_ratio = _aspect_ratio(stored_size, image.getexif())
    upright = _pixels_only(image)
    variants: list[Variant] = []
    for width in _widths(upright.width, wanted):
        height = max(1, round(upright.height * width / upright.width))
        resized = upright if width == upright.width else _resize(upright, width, height)
        variants.extend(_encode(resized, image_format) for image_format in ("webp", "jpeg"))
    variants.sort(key=lambda variant: (variant.format, variant.width))
    largest = variants[-1]
    return ProcessedImage(largest.width, largest.height, aspect_ratio, tuple(variants))


def _open(data: bytes, max_bytes: int, max_pixels: int) -> Image.Image:
    """The image with its header read and checked, no pixel decoded yet; or ImageRefused."""
    if len(data) > max_bytes:
        raise ImageRefused(
            _l("The file is larger than %(limit)s MB.", limit=max_bytes // 1_000_000)
        )
    too_many_pixels = ImageRefused(
        _l(
            "The image has too many pixels: at most %(limit)s megapixels.",
            limit=max_pixels // 1_000_000,
        )
    )
    try:
        # Only these decoders may look at the file: fewer parsers for hostile input.
        image = Image.open(BytesIO(data), formats=ACCEPTED_FORMATS)
    except UnidentifiedImageError:
        raise ImageRefused(_l("This is not a JPEG, PNG or WebP image.")) from None
    except Image.DecompressionBombError:  # Pillow's own limit, far above ours
        raise too_many_pixels from None
    except _DECODER_ERRORS:  # a known format, broken inside its header
        raise _damaged() from None
    if image.width * image.height > max_pixels:
        raise too_many_pixels
    return image


def _aspect_ratio(stored_size: tuple[int, int], exif: Image.Exif) -> Fraction:
    # Of the size stored in the file, before any draft, turned as the EXIF orientation says
    # (5 to 8 are quarter turns, EXIF 2.32 4.6.4).
    width, height = stored_size
    if exif.get(ExifTags.Base.Orientation, 1) in (5, 6, 7, 8):
        width, height = height, width
    return Fraction(width, height)


def _load(image: Image.Image) -> None:
    try:
        image.load()  # Pillow refuses truncated files unless told otherwise (LOAD_TRUNCATED_IMAGES)
    except _DECODER_ERRORS:
        raise _damaged() from None


def _damaged() -> ImageRefused:
    return ImageRefused(
        _l("The image is damaged or incomplete. Save it again and upload the new file.")
    )


def _pixels_only(image: Image.Image) -> Image.Image:
    """The image upright, in sRGB, on the background: a new RGB image with no metadata at all."""
    image = ImageOps.exif_transpose(image)
    image = _eight_bit(image)
    icc_profile = image.info.get("icc_profile")
    if icc_profile:
        image = _to_srgb(image, icc_profile)
    canvas = Image.new("RGB", image.size, BACKGROUND)
    if image.mode == "RGBA":
        canvas.paste(image.convert("RGB"), mask=image.getchannel("A"))
    else:
        canvas.paste(image.convert("RGB"))
    return canvas


def _eight_bit(image: Image.Image) -> Image.Image:
    # Modes the colour conversion and the encoders take: 16-bit grey scaled down (a plain
    # conversion would clip everything above 255 to white), anything with transparency as
    # RGBA, RGB(A), CMYK and L as they are, the rest (palettes, bilevel) as RGB.
    if image.mode.startswith("I"):
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode in ("LA", "PA") or "transparency" in image.info:
        return image.convert("RGBA")
    if image.mode in ("RGB", "RGBA", "CMYK", "L"):
        return image
    return image.convert("RGB")


def _to_srgb(image: Image.Image, icc_profile: bytes) -> Image.Image:
    try:
        source = ImageCms.ImageCmsProfile(BytesIO(icc_profile))
        output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        # A profile littleCMS cannot read or apply: the pixels are taken as sRGB already.
        return image
    return converted


def _widths(original: int, wanted: list[int]) -> list[int]:
    # Each width the original can fill; an original narrower than the largest width is given
    # at its own width too, so the widest screens get every pixel there is, and no more.
    fitting = [width for width in wanted if width < original]
    return fitting if original > wanted[-1] else [*fitting, original]


def _resize(image: Image.Image, width: int, height: int) -> Image.Image:
    # LANCZOS for sharp downscaling; reducing_gap first halves a large image quickly.
    return image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)


def _encode(image: Image.Image, image_format: str) -> Variant:
    buffer = BytesIO()
    if image_format == "webp":
        # method 6: the smallest files, slower to encode; an upload is rare, a view is not.
        image.save(buffer, "WEBP", quality=WEBP_QUALITY, method=6)
    else:
        # Progressive: a blurred whole first, rather than a sharp top half, on a slow line.
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True)
    data = buffer.getvalue()
    digest = hashlib.sha256(data).hexdigest()[:HASH_LENGTH]
    return Variant(
        data, image.width, image.height, image_format, f"{digest}-{image.width}.{image_format}"
    )
