"""Resumable photo uploads: `PUT /api/v1/uploads/<uuid>` with `Content-Range: bytes a-b/total`.

The server always says how many bytes it holds (HEAD/GET, and every PUT answer); a client that was
cut off asks, then sends only the rest. Bytes gather in a part file under UPLOAD_DIR/partial (a file
lock orders two requests for the same photo); the part file's length is the truth. When the last
byte arrives the photo is `received`; before a write uses it, it is checked and re-encoded without
metadata by intake's photo rules (`clean_photo`) and kept through intake's photo storage.
"""
from __future__ import annotations

import fcntl
import os
import re
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from jiandu.errors import ApiError, Invalid, NotFound
from jiandu.extensions import db
from jiandu.fieldwork.models import FieldPhoto
from jiandu.intake import photos as photo_lib
from jiandu.intake.service import KEY_RE
from jiandu.org.models import User
from jiandu.timeutil import utcnow

RANGE_RE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
MAX_BYTES = photo_lib.MAX_PHOTO_BYTES
PIECE = 256 * 1024


@dataclass
class Status:
    uuid: str
    size: int
    received: int
    state: str
    reason: str | None = None

    def view(self) -> dict:
        return {"uuid": self.uuid, "size": self.size, "received": self.received, "state": self.state,
                "complete": self.state in ("received", "clean"), "reason": self.reason}


def _root() -> Path:
    root = Path(current_app.config.get("UPLOAD_DIR") or Path(current_app.instance_path) / "uploads") / "partial"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _part(uuid: str) -> Path:
    return _root() / f"{uuid}.part"


def _check_uuid(uuid: str) -> str:
    if not KEY_RE.match(uuid or ""):
        raise Invalid({"uuid": "无效的照片编号"})
    return uuid


def _own(user: User, uuid: str) -> FieldPhoto | None:
    row = db.session.scalar(select(FieldPhoto).where(FieldPhoto.uuid == uuid))
    if row is not None and row.owner_id != user.id:
        raise NotFound("照片")  # another user's upload does not exist for this one
    return row


def _received(row: FieldPhoto) -> int:
    if row.state in ("received", "clean"):
        return row.size
    path = _part(row.uuid)
    return path.stat().st_size if path.exists() else 0


def status(user: User, uuid: str) -> Status:
    row = _own(user, _check_uuid(uuid))
    if row is None:
        raise NotFound("照片")
    return Status(row.uuid, row.size, _received(row), row.state, row.reason)


def parse_range(header: str | None, length: int | None) -> tuple[int, int]:
    """(start, total) from `bytes a-b/total`, checking that the body announces b - a + 1 bytes."""
    match = RANGE_RE.match((header or "").strip())
    if not match:
        raise ApiError(400, "bad_range", "缺少或无效的 Content-Range（bytes 起-止/总长）")
    start, end, total = (int(g) for g in match.groups())
    if end < start or end >= total or end - start + 1 != length:
        raise ApiError(400, "bad_range", "Content-Range 与内容长度不符")
    return start, total


def receive(user: User, uuid: str, start: int, total: int, chunk) -> Status:
    """Append the body (bytes, or a stream read piece by piece) at `start`. Bytes are kept as they
    arrive, so a connection cut at any byte loses nothing that reached the server. A body overlapping
    what is held only adds its new part; one that starts past it is refused with the held length (409),
    so the client resends from there."""
    _check_uuid(uuid)
    if total < 1 or total > MAX_BYTES:
        raise ApiError(413, "too_large", f"照片不能超过 {MAX_BYTES // (1024 * 1024)} MB")
    row = _own(user, uuid)
    if row is None:
        try:
            with db.session.begin_nested():
                row = FieldPhoto(uuid=uuid, owner_id=user.id, size=total, state="receiving")
                db.session.add(row)
        except IntegrityError:  # created by a racing request for the same photo
            row = _own(user, uuid)
    if row.size != total:
        raise ApiError(409, "size_mismatch", "照片总长度与首次上传时不一致", extra={"size": row.size})
    if row.state != "receiving":
        return Status(uuid, row.size, row.size, row.state, row.reason)
    read = (lambda size: chunk.read(size)) if hasattr(chunk, "read") else _reader(chunk)
    path = _part(uuid)
    with open(path, "ab") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            held = os.fstat(handle.fileno()).st_size
            if start > held:
                raise ApiError(409, "range_gap", "上传位置不连续，请从已接收处继续", extra={"received": held})
            position = start
            while held < total:
                try:
                    piece = read(PIECE)
                except Exception:  # the client went away: keep what arrived
                    break
                if not piece:
                    break
                new = piece[held - position:] if position + len(piece) > held else b""
                position += len(piece)
                if new:
                    new = new[:total - held]
                    handle.write(new)
                    held += len(new)
            handle.flush()  # no fsync: finalize checks the length again, and a short file is received anew
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    if held >= total:
        _complete(row)
    db.session.commit()  # one commit per request: the row (when new) and its completion
    return Status(uuid, row.size, min(held, total), row.state, row.reason)


def _reader(data: bytes):
    view = memoryview(data)
    offset = 0

    def read(size: int) -> bytes:
        nonlocal offset
        piece = bytes(view[offset:offset + size])
        offset += len(piece)
        return piece

    return read


def _complete(row: FieldPhoto) -> None:
    """All bytes are here: a quick look that it is an image at all (the full check comes in finalize)."""
    from PIL import Image

    row.completed_at = utcnow()
    try:
        with Image.open(_part(row.uuid)) as probe:
            if probe.format not in photo_lib.ACCEPTED_FORMATS:
                raise ValueError("format")
        row.state = "received"
    except Exception:
        row.state, row.reason = "rejected", "无法识别该照片，请换一张 JPEG、PNG 或 WebP 格式的照片"


def finalize(row: FieldPhoto) -> FieldPhoto:
    """Decode, bound and re-encode (no EXIF, no GPS) and keep the clean bytes; the raw ones go."""
    if row.state != "received":
        return row
    path = _part(row.uuid)
    held = path.stat().st_size if path.exists() else 0
    if held < row.size:  # bytes acknowledged but lost (a crash before they reached the disk): ask again
        row.state, row.completed_at = "receiving", None
        return row
    try:
        clean = photo_lib.clean_photo(path.read_bytes())
    except photo_lib.PhotoRejected as error:
        row.state, row.reason = "rejected", str(error)
        return row
    except FileNotFoundError:
        row.state, row.reason = "rejected", "照片文件已丢失，请重新上传"
        return row
    row.storage_key = photo_lib.storage().save(clean.data, ".jpg")
    row.content_type, row.width, row.height = clean.content_type, clean.width, clean.height
    row.stored_size, row.sha256, row.state = len(clean.data), clean.sha256, "clean"
    path.unlink(missing_ok=True)
    return row


def finalize_for(user_id: int, uuids: list[str]) -> None:
    """Before a push: make the photos its writes refer to ready (outside the write transaction)."""
    if not uuids:
        return
    rows = db.session.scalars(select(FieldPhoto).where(FieldPhoto.uuid.in_(uuids), FieldPhoto.owner_id == user_id,
                                                       FieldPhoto.state == "received")).all()
    for row in rows:
        finalize(row)
    if rows:
        db.session.commit()


def content(user: User, uuid: str) -> tuple[FieldPhoto, bytes]:
    row = _own(user, _check_uuid(uuid))
    if row is None or row.state != "clean":
        raise NotFound("照片")
    return row, photo_lib.storage().load(row.storage_key)
