"""The sync protocol (DESIGN.md, "Offline"), made real.

push: a batch of writes, each {"id": client UUID, "op": ..., "body": {...}}, answered one by one:
  applied    — done now; `result` says what was made
  duplicate  — this UUID was applied before with the same body: the first `result`, nothing new
  conflict   — an edit of shared state (a case) based on an old version: `current` is the state now
  rejected   — refused with `code`, `message`, `fields`; `retryable` when it only has to wait (a photo
               still uploading, a visit made on the device not yet arrived); `http_status` 409 when the
               UUID was used before for a different body (idempotency_conflict)
Each write runs in a savepoint: a bad one changes nothing and the good ones around it stay. The UUID is
the idempotency key: a receipt row (unique key, hash over user, op and body) is written in the same
savepoint as the change, so two racing deliveries make one record.

pull: what changed for this user since a cursor (jiandu.fieldwork.pull). The write kinds are
registered by each capability's setup (jiandu.sync_registry).
"""
from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from jiandu.cases.models import Case
from jiandu.errors import ApiError, Invalid
from jiandu.extensions import db
from jiandu.fieldwork.models import SyncBatch, SyncReceipt
from jiandu.fieldwork.pull import decode_cursor, encode_cursor, pull
from jiandu.fieldwork.views import task_view
from jiandu.files import uploads
from jiandu.files.uploads import KEY_RE
from jiandu.org.models import User
from jiandu.sync_registry import APPEND_ONLY, OPS
from jiandu.timeutil import utcnow

MAX_BATCH = 500
RECEIPT_DAYS = 30          # receipts are kept at least this long (prune refuses less)
RETRYABLE_CODES = {"photo_missing", "depends_on_missing"}
CONFLICT_CODES = {"stale_version", "wrong_state"}


def body_hash(user_id: int, op: str, body) -> str:
    canonical = json.dumps({"user": user_id, "op": op, "body": body}, sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- push ----------------------------------------------------------------------------------------------

class _Waiting(Exception):
    def __init__(self, answer):
        self.answer = answer


def _receipt(key: str) -> SyncReceipt | None:
    return db.session.scalar(select(SyncReceipt).where(SyncReceipt.key == key))


def _replay(user_id: int, key: str, digest: str, known: dict | None = None) -> dict | None:
    row = known.get(key) if known is not None else _receipt(key)
    if row is None:
        return None
    if row.body_hash != digest or row.user_id != user_id:
        return {"id": key, "status": "rejected", "code": "idempotency_conflict", "http_status": 409,
                "message": "该编号已用于另一份内容不同的提交", "retryable": False}
    return {"id": key, "status": "duplicate", "result": json.loads(row.result)}


def _refusal(key: str, error: ApiError, user: User) -> dict:
    if error.code in CONFLICT_CODES:
        answer = {"id": key, "status": "conflict", "code": error.code, "message": error.message,
                  "current": error.extra}
        return answer
    return {"id": key, "status": "rejected", "code": error.code, "message": error.message,
            "fields": error.fields, "http_status": error.status, "retryable": error.code in RETRYABLE_CODES,
            **({"photos": error.extra["photos"]} if "photos" in error.extra else {})}


def _case_now(case_id) -> dict:
    case = db.session.get(Case, case_id) if isinstance(case_id, int) else None
    return {"state": case.state, "version": case.version} if case else {}


def _apply(user: User, user_id: int, write, known: dict | None = None, receipts: list | None = None) -> dict:
    """One write. With `receipts` (the fast way) an append-only write's receipt is collected there, to be
    inserted with the others of the batch; otherwise each write has a savepoint and its own receipt."""
    if not isinstance(write, dict):
        return {"id": None, "status": "rejected", "code": "invalid", "message": "写入格式不正确", "retryable": False}
    key, op, body = write.get("id"), write.get("op"), write.get("body")
    if not isinstance(key, str) or not KEY_RE.match(key):
        return {"id": key, "status": "rejected", "code": "invalid", "message": "缺少或无效的客户端编号",
                "fields": {"id": "无效"}, "retryable": False}
    if op not in OPS or not isinstance(body, dict):
        return {"id": key, "status": "rejected", "code": "unknown_op", "message": f"不支持的操作：{op}",
                "retryable": False}
    digest = body_hash(user_id, op, body)
    replay = _replay(user_id, key, digest, known)
    if replay is not None:
        return replay
    if receipts is not None and op in APPEND_ONLY:
        return _apply_fast(user, user_id, key, op, body, digest, receipts)
    savepoint = db.session.begin_nested()
    try:
        result = OPS[op](user, body, key)
        db.session.flush()
        # One plain INSERT (no unit of work): the unique key makes a racing second delivery fail here.
        _insert_receipt(key, user_id, op, digest, result)
        savepoint.commit()
        return {"id": key, "status": "applied", "result": result}
    except IntegrityError:
        # Another delivery of the same UUID got in first (or one of its rows): answer as it did.
        savepoint.rollback()
        replay = _replay(user_id, key, digest)
        if replay is not None:
            return replay
        return {"id": key, "status": "rejected", "code": "duplicate_record", "message": "该记录已存在",
                "retryable": False}
    except StaleDataError:
        savepoint.rollback()
        return {"id": key, "status": "conflict", "code": "stale_version",
                "message": "案件已被他人处理，请查看最新状态后再操作", "current": _case_now(body.get("case_id"))}
    except ApiError as error:
        savepoint.rollback()
        answer = _refusal(key, error, user)
        if error.code == "depends_on_missing":
            raise _Waiting(answer) from None
        return answer


# Append-only writes (jiandu.sync_registry) run without a savepoint (a savepoint costs as much as the
# write). If one of them fails in any other way than a refusal made before it touched the session, the
# whole batch is undone and run again the careful way.


class _Redo(Exception):
    pass


def _receipt_row(key, user_id, op, digest, result) -> dict:
    return {"key": key, "user_id": user_id, "op": op, "body_hash": digest, "created_at": utcnow(),
            "result": json.dumps(result, ensure_ascii=False, default=str)}


def _insert_receipt(key, user_id, op, digest, result) -> None:
    db.session.execute(insert(SyncReceipt).values(**_receipt_row(key, user_id, op, digest, result)))


def _insert_receipts(receipts: list[dict]) -> None:
    """The fast way's receipts in one INSERT; a key already taken (a racing delivery, or the same
    UUID twice in the batch) sends the whole batch the careful way."""
    if not receipts:
        return
    try:
        db.session.execute(insert(SyncReceipt), receipts)
    except IntegrityError as error:
        raise _Redo() from error


def _apply_fast(user, user_id, key, op, body, digest, receipts: list) -> dict:
    try:
        result = OPS[op](user, body, key)
        db.session.flush()
        receipts.append(_receipt_row(key, user_id, op, digest, result))
        return {"id": key, "status": "applied", "result": result}
    except ApiError as error:
        if db.session.new or db.session.dirty or db.session.deleted:
            raise _Redo() from error
        answer = _refusal(key, error, user)
        if error.code == "depends_on_missing":
            raise _Waiting(answer) from None
        return answer
    except Exception as error:
        raise _Redo() from error


def photos_of(writes) -> list[str]:
    """Every photo UUID any write of the batch refers to."""
    found = []
    for write in writes if isinstance(writes, list) else []:
        body = write.get("body") if isinstance(write, dict) else None
        if not isinstance(body, dict):
            continue
        found += [p for p in body.get("photos") or [] if isinstance(p, str)]
        for answer in body.get("answers") or []:
            if isinstance(answer, dict):
                found += [p for p in answer.get("photos") or [] if isinstance(p, str)]
    return found


def push(user: User, writes, device: str | None = None) -> dict:
    """Apply a batch, write by write; commits. Writes that wait on another write of the batch (sent out
    of order) are tried again after the rest, until nothing moves."""
    if not isinstance(writes, list) or not writes:
        raise Invalid({"writes": "请提交至少一条写入"})
    if len(writes) > MAX_BATCH:
        raise Invalid({"writes": f"一次最多 {MAX_BATCH} 条写入"})
    user_id = user.id
    uploads.finalize_for(user_id, photos_of(writes))
    db.session.commit()  # end of reading: the writing transaction starts with a write (see intake.submit)
    fast = True
    for attempt in range(4):
        try:
            return _push(user, user_id, writes, device, fast)
        except _Redo:
            db.session.rollback()
            fast = False  # the careful way: a savepoint per write
        except OperationalError:
            db.session.rollback()
            if attempt == 3:
                raise
    raise AssertionError("unreachable")


def _push(user, user_id, writes, device, fast=False) -> dict:
    batch = SyncBatch(user_id=user_id, device=(device or "")[:64] or None, writes=len(writes))
    db.session.add(batch)
    db.session.flush()
    results: list[dict | None] = [None] * len(writes)
    # The receipts of the whole batch in one query (a race after it is caught by the unique key).
    keys = [w.get("id") for w in writes if isinstance(w, dict) and isinstance(w.get("id"), str)]
    known = {r.key: r for r in db.session.scalars(select(SyncReceipt).where(SyncReceipt.key.in_(keys)))} if keys else {}
    pending = list(range(len(writes)))
    receipts: list[dict] | None = [] if fast else None
    first_round = True
    while pending:
        waiting: list[tuple[int, dict]] = []
        for index in pending:
            try:
                results[index] = _apply(user, user_id, writes[index], known if first_round else None, receipts)
            except _Waiting as wait:
                waiting.append((index, wait.answer))
        if len(waiting) == len(pending):
            for index, answer in waiting:
                results[index] = answer
            break
        pending = [index for index, _ in waiting]
        first_round = False
    _insert_receipts(receipts or [])
    for name in ("applied", "duplicate", "conflict", "rejected"):
        setattr(batch, {"duplicate": "duplicates", "conflict": "conflicts"}.get(name, name),
                sum(1 for r in results if r["status"] == name))
    db.session.commit()
    return {"batch": batch.id, "results": results,
            "counts": {"applied": batch.applied, "duplicate": batch.duplicates, "conflict": batch.conflicts,
                       "rejected": batch.rejected}}


def prune(days: int = 90) -> int:
    """Forget receipts older than `days` (never fewer than RECEIPT_DAYS)."""
    days = max(days, RECEIPT_DAYS)
    result = db.session.execute(delete(SyncReceipt).where(SyncReceipt.created_at < utcnow() - timedelta(days=days)))
    return result.rowcount


__all__ = ["push", "pull", "prune", "body_hash", "OPS", "encode_cursor", "decode_cursor", "task_view"]
