"""Resumable photo uploads: `PUT /api/v1/uploads/<uuid>` with `Content-Range: bytes a-b/total`.

The server always says how many bytes it holds (HEAD/GET, and every PUT answer); a client that was
cut off asks, then sends only the rest. Bytes gather in a part file of their owner under
UPLOAD_DIR/partial (a file lock orders two requests for the same photo); the part file's length is
the truth. When the last byte arrives the photo is `received`; before a write uses it, it is checked
and re-encoded without metadata by the photo rules (`jiandu.files.photos.clean_photo`) and kept in the
photo storage; `require_photos` is how a write of any capability asks for its photos.

No database transaction is open while a body arrives (a phone may take seconds): the photo's row is
looked up first, and written (created, or marked received) in one short transaction after the bytes
are in the part file. A part file is its owner's (`<owner id>-<uuid>.part`), so two users who send the
same uuid never mix bytes; the row, unique by uuid, then says whose photo it is.
"""
from __future__ import annotations

import fcntl
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from jiandu.errors import ApiError, Invalid, NotFound
from jiandu.extensions import db
from jiandu.files import photos as photo_lib
from jiandu.files import upload_quota
from jiandu.files.models import FieldPhoto
from jiandu.org.models import User
from jiandu.sqlite import begin_writing
from jiandu.timeutil import utcnow

RANGE_RE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
MAX_BYTES = photo_lib.MAX_PHOTO_BYTES
PIECE = 256 * 1024
# A client-made UUID (the same keys the offline outbox and intake's submissions use).
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{22,80}$")
REJECTED = "无法识别该照片，请换一张 JPEG、PNG 或 WebP 格式的照片"


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


_MADE: set[Path] = set()  # part-file folders this process has made (or found)


def _root() -> Path:
    root = Path(current_app.config.get("UPLOAD_DIR") or Path(current_app.instance_path) / "uploads") / "partial"
    if root not in _MADE:
        root.mkdir(parents=True, exist_ok=True)
        _MADE.add(root)
    return root


def _part(owner_id: int, uuid: str) -> Path:
    """The part file of `owner_id`'s photo `uuid`."""
    path = _root() / f"{owner_id}-{uuid}.part"
    if not path.exists():
        legacy = _root() / f"{uuid}.part"  # named by uuid alone before part files had owners
        if legacy.exists():
            return legacy
    return path


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
    path = _part(row.owner_id, row.uuid)
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
    what is held only adds its new part; one that starts past it is refused with the held length (409
    `range_gap`, `extra["received"]`), so the client resends from there."""
    _check_uuid(uuid)
    if total < 1 or total > MAX_BYTES:
        raise ApiError(413, "too_large", f"照片不能超过 {MAX_BYTES // (1024 * 1024)} MB")
    owner_id = user.id
    # Plain values, not an ORM row: they outlive the reading transaction, which ends before the body.
    row = db.session.connection().execute(_LOOKUP, {"photo_uuid": uuid}).first()
    if row is not None and row.owner_id != owner_id:
        raise NotFound("照片")  # another user's upload does not exist for this one
    quota = None
    if row is None:
        quota = upload_quota.may_open(user, total)  # before a byte of a new upload is read
    if row is not None:
        if row.size != total:
            raise ApiError(409, "size_mismatch", "照片总长度与首次上传时不一致", extra={"size": row.size})
        if row.state != "receiving":
            return Status(uuid, row.size, row.size, row.state, row.reason)
        path = _part(owner_id, uuid)
    else:
        path = _root() / f"{owner_id}-{uuid}.part"  # a new photo: a new part file (or one cut off before)
    db.session.commit()  # the reading ends here: nothing is held open while the body arrives
    held, head = _append(path, start, total, chunk)
    if row is not None and held < total:
        return Status(uuid, total, held, "receiving")  # the row says it all already
    state, reason = _record(owner_id, uuid, total, path if held >= total else None, head, quota)
    return Status(uuid, total, min(held, total), state, reason)


def _append(path: Path, start: int, total: int, chunk) -> tuple[int, bytes | None]:
    """Append what is new in the body to the part file; (bytes held now, the file's first piece when this
    body wrote it, else None)."""
    read = (lambda size: chunk.read(size)) if hasattr(chunk, "read") else _reader(chunk)
    head = None
    try:
        handle = open(path, "ab")
    except FileNotFoundError:  # its folder went away (a clean-up): made again
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "ab")
    with handle:
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
                    if held == 0:
                        head = new
                    handle.write(new)
                    held += len(new)
            handle.flush()  # no fsync: finalize checks the length again, and a short file is received anew
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return held, head


def _reader(data: bytes):
    view = memoryview(data)
    offset = 0

    def read(size: int) -> bytes:
        nonlocal offset
        piece = bytes(view[offset:offset + size])
        offset += len(piece)
        return piece

    return read


def _looks_like_a_photo(path: Path, head: bytes | None) -> bool:
    """A quick look that the bytes are an image at all (the full check comes in finalize): from the first
    piece still in memory when it holds the header, else from the file."""
    for source in ([io.BytesIO(head)] if head else []) + [path]:
        try:
            with Image.open(source) as probe:
                return probe.format in photo_lib.ACCEPTED_FORMATS
        except Exception:  # not an image, or not enough of it in memory: the file decides
            continue
    return False


_LOOKUP = select(FieldPhoto.owner_id, FieldPhoto.size, FieldPhoto.state, FieldPhoto.reason).where(
    FieldPhoto.uuid == bindparam("photo_uuid"))
_INSERT_PHOTO = insert(FieldPhoto.__table__)
_COMPLETE_PHOTO = (update(FieldPhoto.__table__)
                   .where(FieldPhoto.__table__.c.uuid == bindparam("photo_uuid"),
                          FieldPhoto.__table__.c.state == "receiving"))


def _record(owner_id: int, uuid: str, total: int, complete: Path | None, head: bytes | None,
            quota: upload_quota.Quota | None) -> tuple[str, str | None]:
    """Write what this body changed: the row of a new photo (`quota`: its owner's, checked again here),
    or a photo now complete (`complete`: its part file). One short transaction that takes the write lock
    at its start. (state, reason)."""
    existed = quota is None
    state, reason, completed_at = "receiving", None, None
    if complete is not None:
        completed_at = utcnow()
        if _looks_like_a_photo(complete, head):
            state = "received"
        else:
            state, reason = "rejected", REJECTED
    for _attempt in range(2):
        connection = begin_writing(db.session)  # after the retry's read too
        try:
            if not existed:
                _admit(connection, owner_id, uuid, quota, total)
                connection.execute(_INSERT_PHOTO, {
                    "uuid": uuid, "owner_id": owner_id, "size": total, "state": state, "reason": reason,
                    "created_at": completed_at or utcnow(), "completed_at": completed_at})
            elif complete is not None:
                connection.execute(_COMPLETE_PHOTO, {"photo_uuid": uuid, "state": state, "reason": reason,
                                                     "completed_at": completed_at})
            db.session.commit()
            return state, reason
        except IntegrityError:  # a request for the same uuid created its row meanwhile
            db.session.rollback()
            row = db.session.scalar(select(FieldPhoto).where(FieldPhoto.uuid == uuid))
            if row is None or row.owner_id != owner_id:
                (_root() / f"{owner_id}-{uuid}.part").unlink(missing_ok=True)
                raise NotFound("照片") from None  # another user's: these bytes go
            if row.state != "receiving" or complete is None:
                return row.state, row.reason
            existed = True
    raise AssertionError("unreachable")


def _admit(connection, owner_id: int, uuid: str, quota: upload_quota.Quota, total: int) -> None:
    """The quota once more, counted in turn with the owner's other new uploads; a refused one's bytes go."""
    try:
        upload_quota.check(connection, owner_id, quota, total, uuid)
    except ApiError:
        db.session.rollback()
        mine = select(FieldPhoto.id).where(FieldPhoto.uuid == uuid, FieldPhoto.owner_id == owner_id)
        if db.session.scalar(mine) is None:  # no request of this very upload has recorded it
            (_root() / f"{owner_id}-{uuid}.part").unlink(missing_ok=True)
        raise


def finalize(row: FieldPhoto) -> FieldPhoto:
    """Decode, bound and re-encode (no EXIF, no GPS) and keep the clean bytes; the raw ones go."""
    if row.state != "received":
        return row
    path = _part(row.owner_id, row.uuid)
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


# --- photos referenced by writes ---------------------------------------------------------------------

class PhotoNotReady(ApiError):
    """A write refers to a photo whose bytes have not all arrived: it waits (retryable)."""

    def __init__(self, missing: list[str]):
        super().__init__(409, "photo_missing", "照片尚未上传完成，稍后自动重试", extra={"photos": missing})


def require_photos(user: User, uuids: list[str]) -> list[FieldPhoto]:
    if not uuids:
        return []
    rows = {p.uuid: p for p in db.session.scalars(select(FieldPhoto).where(FieldPhoto.uuid.in_(uuids),
                                                                           FieldPhoto.owner_id == user.id))}
    missing = [u for u in uuids if u not in rows or rows[u].state in ("receiving", "received")]
    bad = [rows[u] for u in uuids if u in rows and rows[u].state == "rejected"]
    if bad:
        raise Invalid({"photos": f"照片无法使用：{bad[0].reason}"})
    if missing:
        raise PhotoNotReady(missing)
    return [rows[u] for u in uuids]
