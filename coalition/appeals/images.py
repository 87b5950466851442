"""Appeal images: every upload is decoded and drawn again as a new JPEG, so nothing of the file
that was sent (EXIF and its GPS position, XMP, IPTC, ICC profiles, comments, trailing data) can
reach the public. The original is never written to disk.

Work is bounded before any pixel is decoded: the byte size is capped, the format is read from the
first bytes, and the dimensions in the header are checked before decoding, so a tiny file that
declares 50,000 x 50,000 pixels is refused without allocating them (docs/appeals.md#images).
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

DISPLAY_SIDE = 1600
THUMBNAIL_SIDE = 480
JPEG_QUALITY = 85

_MAGIC = {
    "JPEG": (b"\xff\xd8\xff",),
    "PNG": (b"\x89PNG\r\n\x1a\n",),
    "WEBP": (b"RIFF",),
}
# Markup or script inside an image file is how polyglots (an image that is also a page) work.
_MARKUP = re.compile(rb"<\s*(?:script|html|svg|iframe|body|object|embed|\?php|\?xml)\b", re.IGNORECASE)


class ImageRefused(Exception):
    """The upload cannot be used; the message says why, in words for the person who sent it."""


@dataclass(frozen=True)
class CleanImage:
    display: bytes
    thumbnail: bytes
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.display).hexdigest()


def _format_of(data: bytes) -> str | None:
    for name, prefixes in _MAGIC.items():
        if any(data.startswith(prefix) for prefix in prefixes):
            if name == "WEBP" and data[8:12] != b"WEBP":
                continue
            return name
    return None


def _ending(kind: str, data: bytes) -> str:
    """ "clean" when the file stops at the image's own end; "trailing" when something follows it
    (a ZIP or a page appended makes a polyglot); "truncated" when the end is missing."""
    if kind == "PNG":
        end = b"IEND\xaeB`\x82"
        return "clean" if data.endswith(end) else ("trailing" if end in data else "truncated")
    if kind == "JPEG":
        return "clean" if data.endswith(b"\xff\xd9") else ("trailing" if b"\xff\xd9" in data else "truncated")
    declared = int.from_bytes(data[4:8], "little") + 8  # WebP: RIFF's own length
    return "clean" if declared == len(data) else ("trailing" if declared < len(data) else "truncated")


def _refuse_unreadable() -> ImageRefused:
    return ImageRefused(_("The file could not be read as an image: it may be damaged. Try exporting it again."))


def clean(data: bytes) -> CleanImage:
    """The re-encoded display image and thumbnail, or ImageRefused with the reason."""
    max_bytes = settings.APPEAL_IMAGE_MAX_BYTES
    if len(data) > max_bytes:
        raise ImageRefused(
            _("The image is larger than %(size)d MB. Send a smaller photo.") % {"size": max_bytes // (1024 * 1024)}
        )
    kind = _format_of(data)
    if kind is None:
        raise ImageRefused(
            _("Only photos in JPEG, PNG or WebP can be used. Drawings (SVG), documents and other files cannot.")
        )
    ending = _ending(kind, data)
    if ending == "truncated":
        raise _refuse_unreadable()
    if ending == "trailing" or _MARKUP.search(data):
        raise ImageRefused(
            _("The file holds something besides the image (for example a page or an archive), so it cannot be used.")
        )
    max_pixels = settings.APPEAL_IMAGE_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind]) as opened:
                width, height = opened.size
                if width * height > max_pixels or max(width, height) > settings.APPEAL_IMAGE_MAX_SIDE:
                    raise ImageRefused(
                        _(
                            "The image is %(width)s × %(height)s pixels; at most %(side)s pixels a side and "
                            "%(megapixels)s megapixels can be used."
                        )
                        % {
                            "width": f"{width:,}",
                            "height": f"{height:,}",
                            "side": f"{settings.APPEAL_IMAGE_MAX_SIDE:,}",
                            "megapixels": max_pixels // 1_000_000,
                        }
                    )
                if getattr(opened, "n_frames", 1) > 1:
                    raise ImageRefused(_("Animated images cannot be used. Send a single photo."))
                if kind == "JPEG":
                    # Decode at a reduced scale where the JPEG allows it: less memory and time.
                    opened.draft("RGB", (DISPLAY_SIDE * 2, DISPLAY_SIDE * 2))
                opened.load()
                upright = ImageOps.exif_transpose(opened)
                rgb = _flatten(upright)
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(
            _("The image declares more pixels than can be used (at most %(megapixels)s megapixels).")
            % {"megapixels": max_pixels // 1_000_000}
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError, Image.UnidentifiedImageError):
        raise _refuse_unreadable() from None
    # A new image holds pixels only: no info, EXIF, XMP, ICC profile or comment is carried over.
    fresh = Image.new("RGB", rgb.size)
    fresh.paste(rgb)
    display = _encoded(fresh, DISPLAY_SIDE)
    thumbnail = _encoded(fresh, THUMBNAIL_SIDE)
    with Image.open(io.BytesIO(display)) as check:
        size = check.size
    return CleanImage(display=display, thumbnail=thumbnail, width=size[0], height=size[1])


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _encoded(image: Image.Image, side: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()
