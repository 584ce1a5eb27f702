"""Real image files made with Pillow, carrying what a phone puts in them, and broken ones."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO

from PIL import ExifTags, Image, ImageCms

# Stockholm's city hall, as a phone would record it.
GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (59.0, 19.0, 37.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (18.0, 3.0, 15.0),
}
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    b'22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" '
    b"dc:creator='Anna Svensson'/></rdf:RDF></x:xmpmeta>"
)
RED, BLUE, GREEN, WHITE = (255, 0, 0), (0, 0, 255), (0, 255, 0), (255, 255, 255)


def exif(orientation: int = 1) -> Image.Exif:
    """EXIF with an orientation, the camera, the owner and a GPS position."""
    tags = Image.Exif()
    tags[ExifTags.Base.Orientation] = orientation
    tags[ExifTags.Base.Make] = "Joans Phone"
    tags[ExifTags.Base.Artist] = "Anna Svensson"
    tags.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    return tags


def halves(width: int, height: int, left=RED, right=BLUE, mode: str = "RGB") -> Image.Image:
    """An image whose left half is one colour and right half another: shows turns and flips."""
    image = Image.new(mode, (width, height), left)
    image.paste(right, (width // 2, 0, width, height))
    return image


def encode(image: Image.Image, image_format: str, **params) -> bytes:
    """The image as a file of ``image_format``, with whatever metadata ``params`` give it."""
    buffer = BytesIO()
    image.save(buffer, image_format, **params)
    return buffer.getvalue()


def photo(width: int, height: int, image_format: str = "JPEG", orientation: int = 1) -> bytes:
    """A JPEG (or WebP) like a phone's: EXIF with GPS and orientation, XMP, an sRGB profile."""
    return encode(
        halves(width, height),
        image_format,
        exif=exif(orientation),
        xmp=XMP,
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
    )


def png_header(width: int, height: int) -> bytes:
    """A PNG that only claims a size: signature, IHDR and IEND, no pixel data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# sRGB's primaries adapted to D50, as an ICC profile's colorant tags hold them.
SRGB_RED = (0.4361, 0.2225, 0.0139)
SRGB_GREEN = (0.3851, 0.7169, 0.0971)
SRGB_BLUE = (0.1431, 0.0606, 0.7141)
D50 = (0.9642, 1.0, 0.8249)


def icc_profile_swapping_red_and_green() -> bytes:
    """An ICC v2 RGB display profile whose red channel is sRGB's green, and the reverse.

    A pure red pixel tagged with it is green once converted to sRGB: proof that the profile
    was applied, not only dropped.
    """
    gamma = b"curv" + bytes(4) + struct.pack(">IH", 1, round(2.2 * 256)) + bytes(2)
    tags = [
        (b"wtpt", _xyz(*D50)),
        (b"rXYZ", _xyz(*SRGB_GREEN)),
        (b"gXYZ", _xyz(*SRGB_RED)),
        (b"bXYZ", _xyz(*SRGB_BLUE)),
        (b"rTRC", gamma),
        (b"gTRC", gamma),
        (b"bTRC", gamma),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table = body = b""
    for signature, data in tags:
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data + bytes(-len(data) % 4)
    header = (
        struct.pack(">I", offset + len(body))
        + bytes(4)  # preferred CMM
        + struct.pack(">I", 0x02100000)  # version 2.1
        + b"mntrRGB XYZ "  # a display profile, RGB data, XYZ connection space
        + bytes(12)  # date
        + b"acsp"
        + bytes(28)  # platform, flags, manufacturer, model, attributes, rendering intent
        + _xyz(*D50)[8:]  # illuminant
        + bytes(48)  # creator, profile id, reserved
    )
    return header + struct.pack(">I", len(tags)) + table + body


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ " + bytes(4) + b"".join(struct.pack(">i", round(v * 65536)) for v in (x, y, z))
