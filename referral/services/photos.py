"""Listing photos: accept JPEG or PNG up to 2 MB and re-encode them so that no metadata survives."""
import io
import warnings

from PIL import Image, UnidentifiedImageError

from ..i18n import gettext as _
from .errors import ValidationFailed

MAX_PHOTO_BYTES = 2 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000  # refuse decompression bombs long before Pillow's own limit
PHOTO_SIZE = (800, 800)  # stored no larger than this
ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}


def reencode_photo(data: bytes, field: str = "photo") -> tuple[bytes, str]:
    """The photo re-encoded (EXIF, GPS and every other chunk dropped) and its content type."""
    if not data:
        raise ValidationFailed({field: _("The photo file is empty.")})
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationFailed({field: _("The photo is larger than 2 MB. Please choose a smaller file.")})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format
                width, height = probe.size
                probe.verify()
            if image_format not in ALLOWED_FORMATS:
                raise ValidationFailed({field: _("The photo must be a JPEG or PNG image.")})
            if width * height > MAX_PHOTO_PIXELS:
                raise ValidationFailed({field: _("The photo has too many pixels. Please choose a smaller image.")})
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = _upright(image)
                image.thumbnail(PHOTO_SIZE)
                return _encode(image, image_format), ALLOWED_FORMATS[image_format]
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise ValidationFailed({field: _("The photo could not be read. Please choose a JPEG or PNG image.")})


def _upright(image: Image.Image) -> Image.Image:
    """Apply the camera's orientation before the EXIF that records it is dropped."""
    from PIL import ImageOps

    return ImageOps.exif_transpose(image) or image


def _encode(image: Image.Image, image_format: str) -> bytes:
    """Encode fresh pixels only: a new image carries no info, EXIF, ICC or text chunks."""
    out = io.BytesIO()
    if image_format == "JPEG":
        clean = Image.new("RGB", image.size)
        clean.paste(image.convert("RGB"))
        clean.save(out, format="JPEG", quality=85, optimize=True)
    else:
        mode = "RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB"
        clean = Image.new(mode, image.size)
        clean.paste(image.convert(mode))
        clean.save(out, format="PNG", optimize=True)
    return out.getvalue()
