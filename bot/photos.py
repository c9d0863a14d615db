"""Product photos: a resized JPEG copy with no EXIF, GPS or other metadata (Pillow)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

# Enough for an A4 card and a phone screen; a few hundred KB at most per photo.
MAX_SIDE = 1024
QUALITY = 82


class NotAPhoto(ValueError):
    """The bytes are not an image Pillow can read."""


@dataclass(frozen=True)
class CleanPhoto:
    jpeg: bytes
    width: int
    height: int


def clean_photo(data: bytes) -> CleanPhoto:
    """Re-encode as a JPEG of at most MAX_SIDE px. The orientation tag is applied to the pixels
    first, then only pixels are written: no EXIF (camera, time, GPS location), no XMP, no ICC."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise NotAPhoto(str(exc)) from exc
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    # A new image from the pixels alone carries none of the source's info dictionary.
    bare = Image.new("RGB", image.size)
    bare.paste(image)
    out = io.BytesIO()
    bare.save(out, "JPEG", quality=QUALITY, optimize=True)
    return CleanPhoto(out.getvalue(), bare.width, bare.height)
