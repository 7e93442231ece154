"""Photos: decoded, bounded, re-encoded, metadata gone."""
import io
import struct
import zlib

import pytest
from PIL import Image

from jiandu.files import photos
from jiandu.files.photos import FilesystemStorage, PhotoRejected, clean_photo
from tests.intake.conftest import image_bytes, key


def exif_with_gps_and_orientation(orientation=1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "CameraMaker"  # Make
    gps = {1: "N", 2: (40.0, 39.0, 30.0), 3: "E", 4: (109.0, 50.0, 10.0)}
    exif[0x8825] = gps  # GPSInfo
    return exif


def test_jpeg_loses_exif_and_gps():
    raw = image_bytes("JPEG", size=(400, 300), exif=exif_with_gps_and_orientation())
    assert b"CameraMaker" in raw
    clean = clean_photo(raw)
    out = Image.open(io.BytesIO(clean.data))
    assert out.format == "JPEG"
    assert not out.getexif() and "exif" not in out.info
    assert b"CameraMaker" not in clean.data
    assert clean.content_type == "image/jpeg"


def test_orientation_is_applied_before_the_exif_goes():
    raw = image_bytes("JPEG", size=(400, 300), exif=exif_with_gps_and_orientation(6))
    clean = clean_photo(raw)
    assert (clean.width, clean.height) == (300, 400)


def test_large_photo_is_resized_to_2048():
    clean = clean_photo(image_bytes("JPEG", size=(4000, 3000)))
    assert max(clean.width, clean.height) == 2048
    assert (clean.width, clean.height) == (2048, 1536)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted_and_reencoded(fmt):
    clean = clean_photo(image_bytes(fmt, mode="RGBA", color=(0, 0, 0, 0)))
    out = Image.open(io.BytesIO(clean.data))
    assert out.format == "JPEG" and out.mode == "RGB"
    assert out.getpixel((1, 1)) == (255, 255, 255) or sum(out.getpixel((1, 1))) > 740  # transparent → white


@pytest.mark.parametrize("raw, words", [
    (b"", "空"),
    (b"hello, I am not an image", "无法识别"),
    (image_bytes("GIF", mode="P", color=1), "只支持"),
    (image_bytes("BMP"), "只支持"),
    (image_bytes("JPEG")[:400], "无法识别"),  # truncated
])
def test_not_a_photo_is_refused(raw, words):
    with pytest.raises(PhotoRejected) as refusal:
        clean_photo(raw)
    assert words in str(refusal.value)


def _png_header_only(width, height) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize("size", [(100_000, 100_000), (8000, 8000), (30_000, 10)])
def test_decompression_bomb_is_refused_before_decoding(size):
    with pytest.raises(PhotoRejected) as refusal:
        clean_photo(_png_header_only(*size))
    assert "像素过多" in str(refusal.value)


def test_a_compressed_bomb_that_is_small_on_the_wire():
    """A real 1-bit image of 8000×6000 zeros compresses to a few KB; its pixel count refuses it."""
    image = Image.new("1", (8000, 6000))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    assert len(out.getvalue()) < 100_000
    with pytest.raises(PhotoRejected):
        clean_photo(out.getvalue())


def test_too_many_bytes_refused(monkeypatch):
    monkeypatch.setattr(photos, "MAX_PHOTO_BYTES", 100)
    with pytest.raises(PhotoRejected) as refusal:
        clean_photo(image_bytes())
    assert "不能超过" in str(refusal.value)


def test_filesystem_storage_round_trip_and_no_escape(tmp_path):
    store = FilesystemStorage(tmp_path)
    stored = store.save(b"abc")
    assert store.load(stored) == b"abc"
    store.delete(stored)
    store.delete(stored)  # twice is fine
    with pytest.raises(ValueError):
        store.load("../../etc/passwd")


def _segments(jpeg: bytes) -> list[int]:
    """The markers of a JPEG's segments up to its first scan (where every kind of metadata lives)."""
    markers, i = [], 2
    while i + 4 <= len(jpeg) and jpeg[i] == 0xFF:
        marker = jpeg[i + 1]
        markers.append(marker)
        if marker == 0xDA:
            break
        i += 2 + struct.unpack(">H", jpeg[i + 2:i + 4])[0]
    return markers


def test_a_comment_exif_gps_and_app_segments_never_reach_the_stored_photo(staff, anon, window, _uploads):
    """A JPEG comment used to survive the re-encode: a name and a phone came through to the inspectors."""
    planted = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 140, 60)).save(
        planted, "JPEG", exif=exif_with_gps_and_orientation(), comment="举报人王小明 13800138000".encode(),
        icc_profile=b"\0" * 128 + b"ICC-CameraMaker")
    raw = planted.getvalue()
    raw = raw[:2] + b"\xff\xec\x00\x0dDucky-13800" + raw[2:]  # a vendor's APP12 block, for good measure
    assert b"13800138000" in raw and b"Exif" in raw
    response = anon.post("/api/v1/reports", headers={"Idempotency-Key": key()}, data={
        "point_code": window.code, "kind": "report", "category": "illegal_fees", "description": "收费无票据",
        "photos": [(io.BytesIO(raw), "a.jpg")]}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    inspector = staff("inspector")
    detail = inspector.get(f"/api/v1/reports/{response.get_json()['report_id']}").get_json()
    stored = inspector.get(detail["photos"][0]["url"]).data
    for planted_text in ("13800138000", "王小明", "CameraMaker", "Ducky", "Exif", "ICC_PROFILE"):
        assert planted_text.encode() not in stored, planted_text
    kept = _segments(stored)
    assert not [m for m in kept if m == 0xFE or 0xE0 <= m <= 0xEF], [hex(m) for m in kept]  # no COM, no APPn
    image = Image.open(io.BytesIO(stored))
    image.load()
    assert image.size == (800, 600) and not image.getexif() and "comment" not in image.info
    files = [p.read_bytes() for p in _uploads.rglob("*.jpg")]
    assert files == [stored]  # the storage holds just what the inspectors get
