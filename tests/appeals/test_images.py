"""Appeal images come out as new JPEGs with no metadata; anything that is not a plain photo, or
that would cost unbounded memory to decode, is refused with a reason and changes nothing."""

from __future__ import annotations

import io
import resource
import struct
import zlib

import pytest
from django.core.files.storage import default_storage
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from coalition.appeals import images, services
from coalition.appeals.models import AppealImage
from coalition.audit.models import AuditEvent
from coalition.core.errors import ServiceError

pytestmark = pytest.mark.django_db

XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b"<rdf:Description>secret-xmp-location</rdf:Description></x:xmpmeta>"
)


def _jpeg_with_metadata() -> bytes:
    image = Image.new("RGB", (640, 480), (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"  # Make
    exif[0x0131] = "secret-software"  # Software
    gps = {1: "N", 2: (50.0, 51.0, 12.5), 3: "E", 4: (4.0, 21.0, 7.25)}
    exif[0x8825] = gps  # GPSInfo
    out = io.BytesIO()
    image.save(
        out, "JPEG", exif=exif.tobytes(), xmp=XMP, comment=b"secret-jpeg-comment", icc_profile=b"secret-icc" * 10
    )
    return out.getvalue()


def _png_with_metadata() -> bytes:
    image = Image.new("RGBA", (300, 200), (10, 200, 90, 128))
    info = PngInfo()
    info.add_text("Comment", "secret-png-comment")
    info.add_text("XML:com.adobe.xmp", XMP.decode())
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


@pytest.mark.parametrize("make", [_jpeg_with_metadata, _png_with_metadata], ids=["jpeg", "png"])
def test_every_metadata_block_is_removed(make):
    original = make()
    assert b"secret" in original
    cleaned = images.clean(original)
    for data in (cleaned.display, cleaned.thumbnail):
        assert b"secret" not in data
        assert b"xmpmeta" not in data and b"Exif" not in data
        with Image.open(io.BytesIO(data)) as back:
            assert back.format == "JPEG"
            assert not back.getexif()
            assert "exif" not in back.info and "icc_profile" not in back.info
            assert "comment" not in back.info and "xmp" not in back.info
            assert not back.app.get("APP1") and "COM" not in back.app


def test_orientation_is_applied_then_dropped():
    image = Image.new("RGB", (400, 200), (255, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    cleaned = images.clean(out.getvalue())
    assert (cleaned.width, cleaned.height) == (200, 400)


def test_large_photos_are_scaled_down_and_thumbnailed():
    out = io.BytesIO()
    Image.new("RGB", (4000, 3000), (9, 9, 9)).save(out, "PNG")
    cleaned = images.clean(out.getvalue())
    assert max(cleaned.width, cleaned.height) == images.DISPLAY_SIDE
    with Image.open(io.BytesIO(cleaned.thumbnail)) as thumb:
        assert max(thumb.size) == images.THUMBNAIL_SIDE


def _png_declaring(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header declares width x height pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(out, "JPEG")
    return out.getvalue()


def _corrupt_jpeg() -> bytes:
    data = _jpeg()
    return data[:200] + bytes(range(256)) * 4 + b"\xff\xd9"


REFUSED = {
    "svg": (SVG, "JPEG, PNG or WebP"),
    "jpeg-with-zip-appended": (
        _jpeg() + b"PK\x03\x04" + b"\x00" * 40 + b"PK\x05\x06" + b"\x00" * 18,
        "besides the image",
    ),
    "png-with-page-appended": (_png_declaring(8, 8) + b"<html><script>alert(1)</script></html>", "besides the image"),
    "jpeg-with-script-inside": (
        _jpeg().replace(b"\xff\xd9", b"") + b"<script>alert(1)</script>\xff\xd9",
        "besides the image",
    ),
    "bomb": (_png_declaring(50_000, 50_000), "pixels"),
    "wide": (_png_declaring(12_000, 10), "pixels"),
    "corrupt": (_corrupt_jpeg(), "could not be read"),
    "truncated": (_jpeg()[:-40], "could not be read"),
    "empty": (b"", "JPEG, PNG or WebP"),
    "text": (b"just some text, not an image", "JPEG, PNG or WebP"),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_unusable_files_are_refused_with_a_reason(name):
    data, reason = REFUSED[name]
    with pytest.raises(images.ImageRefused, match=reason):
        images.clean(data)


def test_a_decompression_bomb_costs_no_memory():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(3):
        with pytest.raises(images.ImageRefused):
            images.clean(_png_declaring(50_000, 50_000))
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 100 * 1024  # decoding it would take 7.5 GB


def test_too_many_bytes_are_refused_before_decoding(settings):
    settings.APPEAL_IMAGE_MAX_BYTES = 1024
    out = io.BytesIO()
    Image.effect_noise((200, 200), 50).convert("RGB").save(out, "PNG")
    with pytest.raises(images.ImageRefused, match="larger than"):
        images.clean(out.getvalue())


def test_a_refused_upload_changes_nothing(police_editor, draft_appeal):
    events = AuditEvent.objects.count()
    with pytest.raises(ServiceError, match="besides the image"):
        services.add_image(
            acting_user=police_editor, appeal=draft_appeal, data=REFUSED["jpeg-with-zip-appended"][0], alt_text="x"
        )
    assert not AppealImage.objects.exists()
    assert AuditEvent.objects.count() == events
    _dirs, files = (
        default_storage.listdir(f"appeals/{draft_appeal.pk}")
        if default_storage.exists(f"appeals/{draft_appeal.pk}")
        else ([], [])
    )
    assert files == []


def test_an_upload_through_the_page_stores_the_clean_copy_only(client_for, police_editor, draft_appeal):
    client = client_for(police_editor)
    upload = io.BytesIO(_jpeg_with_metadata())
    upload.name = "holiday.jpg"
    response = client.post(f"/appeals/manage/{draft_appeal.pk}/images/", {"image": upload, "alt_text": "A blue square"})
    assert response.status_code == 302
    image = AppealImage.objects.get()
    stored = default_storage.open(image.display_name).read()
    assert b"secret" not in stored
    served = b"".join(client.get(f"/appeals/{draft_appeal.pk}/images/{image.pk}/display.jpg").streaming_content)
    assert served == stored


def test_an_svg_through_the_page_is_refused_with_the_reason(client_for, police_editor, draft_appeal):
    client = client_for(police_editor)
    upload = io.BytesIO(SVG)
    upload.name = "drawing.svg"
    response = client.post(f"/appeals/manage/{draft_appeal.pk}/images/", {"image": upload, "alt_text": "x"})
    assert response.status_code == 400
    assert "Drawings (SVG)" in response.content.decode()
    assert not AppealImage.objects.exists()
