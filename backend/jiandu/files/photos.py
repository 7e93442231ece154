"""Photos, whoever sends them (reports, blockers, field visits, case attachments): decoded, bounded,
re-encoded without metadata, and kept through one storage interface.

The bytes a citizen sends are never stored as they came: Pillow must decode them as JPEG, PNG or
WebP, their pixel count must be sane (no decompression bombs), and what is kept is a fresh JPEG
of at most MAX_SIDE pixels a side, without EXIF (so without GPS) or any other metadata: the new
file is then walked segment by segment and every segment a decoder does not need (comments, APPn:
EXIF, XMP, ICC, vendors' blocks) is dropped, whatever Pillow chose to carry over.
"""
from __future__ import annotations

import hashlib
import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from datetime import datetime

from flask import current_app
from PIL import Image, ImageOps
from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from jiandu.timeutil import utcnow

MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # what a phone camera makes, with room; far below a bomb
MAX_SIDE = 2048
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
JPEG_QUALITY = 82


class PhotoRejected(ValueError):
    """A photo that is not one: the message is for the citizen (Chinese)."""


@dataclass
class CleanPhoto:
    data: bytes
    content_type: str
    width: int
    height: int
    sha256: str

    def stored(self, storage_key: str) -> dict:
        """The row of a StoredPhoto for this photo, once its bytes are in the storage under `storage_key`."""
        return {"storage_key": storage_key, "content_type": self.content_type, "width": self.width,
                "height": self.height, "size": len(self.data), "sha256": self.sha256}


class StoredPhoto:
    """The columns of a kept photo, for the models of whatever it belongs to (a report, a blocker):
    where its bytes are in the photo storage, and what they are."""

    storage_key: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def clean_photo(raw: bytes) -> CleanPhoto:
    """Decode, check and re-encode one upload; raise PhotoRejected with a reason a person understands."""
    if not raw:
        raise PhotoRejected("照片是空文件")
    if len(raw) > MAX_PHOTO_BYTES:
        raise PhotoRejected(f"照片不能超过 {MAX_PHOTO_BYTES // (1024 * 1024)} MB")
    with warnings.catch_warnings():
        # Pillow warns (and later raises) on huge images; a warning is a refusal here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(raw)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise PhotoRejected("只支持 JPEG、PNG、WebP 格式的照片")
                width, height = probe.size
                _check_dimensions(width, height)
                probe.verify()
            with Image.open(io.BytesIO(raw)) as image:
                _check_dimensions(*image.size)
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced scale when it can
                image.load()
                image = ImageOps.exif_transpose(image)  # keep what the camera meant, then drop the EXIF
                image = _flatten(image)
                image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
                image.info = {}  # Pillow writes what info holds (a JPEG comment, say) into the new file
                out = io.BytesIO()
                image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)  # no exif=, no icc: nothing kept
        except PhotoRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRejected("照片像素过多，无法处理") from None
        except Exception:  # anything Pillow cannot decode is not a photo we accept
            raise PhotoRejected("无法识别该照片，请换一张 JPEG、PNG 或 WebP 格式的照片") from None
    data = only_image_segments(out.getvalue())
    return CleanPhoto(data=data, content_type="image/jpeg", width=image.width, height=image.height,
                      sha256=hashlib.sha256(data).hexdigest())


# What a baseline or progressive JPEG needs to be decoded: frames, tables, restart intervals, scans.
KEPT_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCC, 0xCD,
                          0xCE, 0xCF, 0xDB, 0xDD, 0xDA})


def only_image_segments(jpeg: bytes) -> bytes:
    """The JPEG without any segment a decoder does not need: no COM, no APP0–APP15 (EXIF, XMP, ICC…)."""
    broken = PhotoRejected("无法识别该照片，请换一张 JPEG、PNG 或 WebP 格式的照片")
    if jpeg[:2] != b"\xff\xd8":
        raise broken
    out, i = [b"\xff\xd8"], 2
    while i + 1 < len(jpeg):
        if jpeg[i] != 0xFF:
            raise broken
        marker = jpeg[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xD9:  # end of image: anything after it goes too
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length, out of place here
            i += 2
            continue
        length = int.from_bytes(jpeg[i + 2:i + 4], "big")
        if length < 2 or i + 2 + length > len(jpeg):
            raise broken
        if marker == 0xDA:  # start of scan: the entropy-coded data runs to the next marker that is not RSTn
            end = _scan_end(jpeg, i + 2 + length)
            out.append(jpeg[i:end])
            i = end
            continue
        if marker in KEPT_MARKERS:
            out.append(jpeg[i:i + 2 + length])
        i += 2 + length
    out.append(b"\xff\xd9")
    return b"".join(out)


def _scan_end(jpeg: bytes, i: int) -> int:
    """Where a scan's entropy-coded data ends: the next 0xFF followed by a marker (not 0x00, not RST0–7)."""
    while True:
        i = jpeg.find(b"\xff", i)
        if i < 0 or i + 1 >= len(jpeg):
            return len(jpeg)
        following = jpeg[i + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            i += 1 if following == 0xFF else 2
            continue
        return i


def _check_dimensions(width: int, height: int) -> None:
    if width < 1 or height < 1:
        raise PhotoRejected("照片尺寸无效")
    if width * height > MAX_PIXELS or max(width, height) > 20000:
        raise PhotoRejected("照片像素过多，无法处理")


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: transparency and palettes do not survive JPEG."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, (255, 255, 255))
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image.convert("RGB") if image.mode != "RGB" else image


# --- storage -------------------------------------------------------------------------------

class PhotoStorage:
    """Where photo bytes live. Filesystem by default; an S3-compatible store can take its place."""

    def save(self, data: bytes, suffix: str = ".jpg") -> str:
        raise NotImplementedError

    def load(self, key: str) -> bytes:
        raise NotImplementedError

    def delete(self, key: str) -> None:
        raise NotImplementedError


class FilesystemStorage(PhotoStorage):
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("bad storage key")
        return path

    def save(self, data: bytes, suffix: str = ".jpg") -> str:
        now = utcnow()
        key = f"{now:%Y/%m}/{secrets.token_hex(16)}{suffix}"
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
        return key

    def load(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass


def storage() -> PhotoStorage:
    """The configured storage: PHOTO_STORAGE (an object) wins, else files under UPLOAD_DIR."""
    configured = current_app.config.get("PHOTO_STORAGE")
    if configured is not None:
        return configured
    root = current_app.config.get("UPLOAD_DIR") or str(Path(current_app.instance_path) / "uploads")
    return FilesystemStorage(root)
