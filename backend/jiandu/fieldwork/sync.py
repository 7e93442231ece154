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

pull: what changed for this user since a cursor (an opaque string); no cursor = everything the device
needs to work offline (the user's visits, checklists and tasks, the points and projects concerned,
and their open cases).
"""
from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta

from sqlalchemy import insert, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from jiandu.errors import ApiError, Invalid
from jiandu.extensions import db
from jiandu.fieldwork import service, uploads
from jiandu.fieldwork.views import task_view
from jiandu.fieldwork.models import (
    ChecklistTask, ChecklistTemplate, SyncBatch, SyncReceipt, Visit,
)
from jiandu.intake.service import KEY_RE
from jiandu.org.models import Point, Project, User
from jiandu.org.scope import visible
from jiandu.timeutil import iso_utc, utcnow

MAX_BATCH = 500
RECEIPT_DAYS = 30          # receipts are kept at least this long (prune refuses less)
PULL_OVERLAP = timedelta(seconds=5)  # a change committed while the previous pull ran is sent again
PULL_LIMIT = 2000
RETRYABLE_CODES = {"photo_missing", "depends_on_missing"}
CONFLICT_CODES = {"stale_version", "wrong_state"}


def body_hash(user_id: int, op: str, body) -> str:
    canonical = json.dumps({"user": user_id, "op": op, "body": body}, sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- the operations ----------------------------------------------------------------------------------

def _op_visit_create(user, body, key):
    visit = service.create_visit(user, body, client_uuid=key)
    return {"visit_id": visit.id}


def _op_visit_record(user, body, key):
    record = service.record_visit(user, body, client_uuid=key)
    return {"visit_id": record.visit_id, "record_id": record.id}


def _op_answers_submit(user, body, key):
    answer_set = service.submit_answers(user, body, client_uuid=key)
    return {"answer_set_id": answer_set.id, "answers": {str(a.item_id): a.id for a in answer_set.answers},
            "task_id": answer_set.task_id, "visit_id": answer_set.visit_id}


def _op_finding_create(user, body, key):
    finding = service.create_finding(user, body, client_uuid=key)
    from jiandu.cases.models import Case

    case = db.session.get(Case, finding.case_id)
    return {"finding_id": finding.id, "report_id": finding.report_id, "case_id": case.id, "case_number": case.number}


def _op_case_act(user, body, key):
    from jiandu.cases import service as cases

    case_id = body.get("case_id")
    if not isinstance(case_id, int) or isinstance(case_id, bool):
        raise Invalid({"case_id": "请指明案件"})
    case = cases.get_case(user, case_id)
    fields = body.get("fields") or {}
    if not isinstance(fields, dict):
        raise Invalid({"fields": "格式不正确"})
    cases.act(user, case, str(body.get("action")), fields, version=body.get("version"))
    db.session.flush()  # UPDATE … WHERE version = old: a race lost here is a conflict too
    return {"case_id": case.id, "state": case.state, "version": case.version}


OPS = {
    "visit.create": _op_visit_create,
    "visit.record": _op_visit_record,
    "answers.submit": _op_answers_submit,
    "finding.create": _op_finding_create,
    "case.act": _op_case_act,
}


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
    from jiandu.cases.models import Case

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


# Appends whose service functions check everything before they add a row: run without a savepoint
# (a savepoint costs as much as the write). If one of them fails in any other way than a refusal
# made before it touched the session, the whole batch is undone and run again the careful way.
APPEND_ONLY = {"visit.create", "visit.record", "answers.submit"}


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


# --- pull ----------------------------------------------------------------------------------------------

def encode_cursor(moment: datetime) -> str:
    return base64.urlsafe_b64encode(moment.isoformat().encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> datetime | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return datetime.fromisoformat(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise Invalid({"since": "无效的同步游标"}) from None


def _point_view(point: Point) -> dict:
    return {"id": point.id, "code": point.code, "type": point.type, "name": point.name, "number": point.number,
            "address": point.address, "jurisdiction_id": point.jurisdiction_id,
            "department_id": point.department_id, "project_id": point.project_id,
            "hall": point.hall.name if point.hall else None}


def _project_view(project: Project) -> dict:
    return {"id": project.id, "name": project.name, "code": project.project_code,
            "owner_enterprise": project.owner_enterprise, "location": project.location, "stage": project.stage,
            "jurisdiction_id": project.jurisdiction_id}


def _jsonable(view: dict) -> dict:
    return {k: (iso_utc(v) if isinstance(v, datetime) else v) for k, v in view.items()}


def pull(user: User, since: str | None = None) -> dict:
    from jiandu.cases import ledger
    from jiandu.cases.models import OPEN_STATES, Case
    from jiandu.cases.service import visible_cases

    now = utcnow()
    after = decode_cursor(since)
    after = after - PULL_OVERLAP if after else None

    visits_q = service.my_visits(user)
    if after:
        visits_q = visits_q.where(Visit.updated_at > after)
    else:
        visits_q = visits_q.where(or_(Visit.state == "planned", Visit.updated_at > now - timedelta(days=30)))
    visits = db.session.scalars(visits_q.order_by(Visit.id).limit(PULL_LIMIT)).all()

    tasks_q = visible(user, ChecklistTask)
    if after:
        tasks_q = tasks_q.where(ChecklistTask.updated_at > after)
    else:
        tasks_q = tasks_q.where(ChecklistTask.state != "spot_checked")
    tasks = db.session.scalars(tasks_q.order_by(ChecklistTask.due_at).limit(PULL_LIMIT)).all()

    template_ids = {v.template_id for v in visits if v.template_id} | {t.template_id for t in tasks}
    templates_q = service.templates_for(user).where(
        or_(ChecklistTemplate.id.in_(template_ids), ChecklistTemplate.current))
    if after:
        templates_q = templates_q.where(or_(ChecklistTemplate.updated_at > after, ChecklistTemplate.id.in_(template_ids)))
    templates = db.session.scalars(templates_q.order_by(ChecklistTemplate.id).limit(PULL_LIMIT)).all()

    point_ids = {v.point_id for v in visits if v.point_id} | {t.point_id for t in tasks if t.point_id}
    project_ids = {v.project_id for v in visits if v.project_id}
    points = db.session.scalars(visible(user, Point).where(Point.id.in_(point_ids))).all() if point_ids else []
    projects = db.session.scalars(visible(user, Project).where(Project.id.in_(project_ids))).all() if project_ids else []

    # Open cases of the points and projects concerned (and those since changed, to close them on the device).
    cases_q = visible_cases(user).where(or_(Case.point_id.in_(point_ids or {-1}), Case.project_id.in_(project_ids or {-1})))
    cases_q = cases_q.where(Case.updated_at > after) if after else cases_q.where(Case.state.in_(OPEN_STATES))
    cases = db.session.scalars(cases_q.order_by(Case.id).limit(PULL_LIMIT)).all()

    return {
        "cursor": encode_cursor(now),
        "full": after is None,
        "server_time": iso_utc(now),
        "visit_kinds": [{"code": k.code, "name": k.name, "name_en": k.name_en} for k in service.visit_kinds()],
        "visits": [_jsonable(service.visit_view(v)) for v in visits],
        "tasks": [task_view(t, now) for t in tasks],
        "templates": [_jsonable(service.template_view(t)) for t in templates],
        "points": [_point_view(p) for p in points],
        "projects": [_project_view(p) for p in projects],
        "cases": [ledger.item(c, now) for c in cases],
    }


def prune(days: int = 90) -> int:
    """Forget receipts older than `days` (never fewer than RECEIPT_DAYS)."""
    from sqlalchemy import delete

    days = max(days, RECEIPT_DAYS)
    result = db.session.execute(delete(SyncReceipt).where(SyncReceipt.created_at < utcnow() - timedelta(days=days)))
    return result.rowcount


__all__ = ["push", "pull", "prune", "body_hash", "OPS"]
