"""Blockers (堵点/痛点) an enterprise reports: each opens a case, exactly once per client id, online
(JSON or multipart with photos) or from the offline outbox (photos uploaded resumably first)."""
from __future__ import annotations

import hashlib
import json
import re

from flask import g
from sqlalchemy import select

from jiandu.cases.models import OPEN_STATES, Case, CaseEvent
from jiandu.cases.service import ACTION_LABELS, STATE_LABELS, open_case, reporter_return_visit
from jiandu.errors import ApiError, Conflict, Invalid, NotFound
from jiandu.extensions import db
from jiandu.files import photos as photo_lib
from jiandu.files.uploads import require_photos
from jiandu.notify.service import emit
from jiandu.org.models import Point, Project, User
from jiandu.org.scope import get_visible, visible
from jiandu.projects.categories import active_categories, category_labels
from jiandu.projects.common import STAFF
from jiandu.projects.models import Blocker, BlockerCategory, BlockerPhoto
from jiandu.projects.registry import departments_of, get_project, point_of
from jiandu.security import normalise_code
from jiandu.timeutil import iso_utc, utcnow

CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,80}$")
MIN_BLOCKER_TEXT, MAX_BLOCKER_TEXT = 5, 1000


def _blocker_hash(project_id: int, fields: dict, photo_hashes: list[str]) -> str:
    canonical = {"project_id": project_id, "category": fields.get("category"),
                 "description": (str(fields.get("description") or "")).strip(),
                 "department_id": str(fields.get("department_id") or ""),
                 "contact_ok": bool(_flag(fields.get("contact_ok"))), "photos": photo_hashes}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _flag(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in (None, ""):
        return False
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    return None


def blocker_project(user: User, fields: dict) -> Project:
    """Whose blocker: the enterprise user's project; by the scanned code it must be the same project."""
    if user.role != "enterprise":
        raise ApiError(403, "forbidden", "堵点由项目企业用户反映")
    code = (fields.get("point_code") or "").strip()
    if code:
        point = db.session.scalar(visible(user, Point).where(Point.code == normalise_code(code),
                                                             Point.type == "project"))
        if point is None:
            raise NotFound("项目")
        return get_project(user, point.project_id)
    project_id = fields.get("project_id") or user.project_id
    try:
        project_id = int(project_id)
    except (TypeError, ValueError):
        raise NotFound("项目") from None
    return get_project(user, project_id)


def _check_blocker(user: User, fields: dict, n_photos: int) -> tuple[Project, dict, dict]:
    """Everything about a blocker checked, all problems at once: (project, clean fields, errors)."""
    project = blocker_project(user, fields)
    errors: dict = {}
    category = None
    code = fields.get("category")
    if not code:
        errors["category"] = "请选择堵点类型"
    else:
        active_categories()
        category = db.session.scalar(select(BlockerCategory).where(BlockerCategory.code == code,
                                                                   BlockerCategory.active))
        if category is None:
            errors["category"] = "该堵点类型不存在或已停用，请重新选择"
    description = re.sub(r"\r\n?", "\n", str(fields.get("description") or "")).strip()
    if len(description) < MIN_BLOCKER_TEXT:
        errors["description"] = f"请至少写 {MIN_BLOCKER_TEXT} 个字，说明遇到了什么问题"
    elif len(description) > MAX_BLOCKER_TEXT:
        errors["description"] = f"情况说明不能超过 {MAX_BLOCKER_TEXT} 字（现有 {len(description)} 字）"
    departments = {u.id: u for u in departments_of(project.id)}
    department = None
    if fields.get("department_id") not in (None, ""):
        try:
            department = departments.get(int(fields["department_id"]))
        except (TypeError, ValueError):
            department = None
        if department is None:
            errors["department_id"] = "请从本项目涉及的部门中选择"
    elif departments:
        errors["department_id"] = "请选择涉及的部门"
    contact_ok = _flag(fields.get("contact_ok"))
    if contact_ok is None:
        errors["contact_ok"] = "请选择是否同意联系"
    if n_photos > photo_lib.MAX_PHOTOS:
        errors["photos"] = f"最多上传 {photo_lib.MAX_PHOTOS} 张照片"
    clean = {"category": category, "description": description, "department": department, "contact_ok": contact_ok,
             "channel": "code" if fields.get("point_code") else "app"}
    return project, clean, errors


def _replayed(client_id: str, digest: str, user: User) -> Blocker | None:
    existing = db.session.scalar(select(Blocker).where(Blocker.client_id == client_id))
    if existing is None:
        return None
    if existing.body_hash != digest or existing.reporter_id != user.id:
        raise Conflict("该提交编号已用于另一份内容不同的反映", code="idempotency_conflict")
    return existing


def _create_blocker(user: User, project: Project, clean: dict, client_id: str, digest: str,
                    photos: list[dict]) -> Blocker:
    """The blocker, its case (the project's point; the department the enterprise chose) and photos."""
    category, department, description = clean["category"], clean["department"], clean["description"]
    point = point_of(project.id)
    case = open_case(channel="project_app", summary=f"{category.name}｜{project.name}：{description}",
                     jurisdiction_id=project.jurisdiction_id, point_id=point.id if point else None,
                     # A lead names the department it is about (for its dispatched group); the
                     # scope rule keeps it from that department: the commission decides.
                     department_id=department.id if department else None,
                     project_id=project.id, category=category.code, case_type=category.case_type,
                     public_note="您反映的堵点已受理")
    blocker = Blocker(project_id=project.id, jurisdiction_id=project.jurisdiction_id,
                      department_id=department.id if department else None, category=category.code,
                      description=description, contact_ok=clean["contact_ok"], reporter_id=user.id,
                      case_id=case.id, client_id=client_id, body_hash=digest, channel=clean["channel"],
                      created_at=utcnow())
    db.session.add(blocker)
    db.session.flush()
    for photo in photos:
        db.session.add(BlockerPhoto(blocker_id=blocker.id, **photo))
    db.session.flush()
    emit("project.blocker", {"blocker_id": blocker.id, "project_id": project.id, "case_id": case.id,
                             "case_number": case.number, "category": category.code,
                             "department_id": blocker.department_id, "jurisdiction_id": project.jurisdiction_id,
                             "reporter_id": user.id})
    return blocker


def submit_blocker(user: User, fields: dict, uploads: list[bytes], client_id: str | None) -> tuple[Blocker, bool]:
    """One blocker, exactly once per client id (the outbox UUID). Returns (blocker, replayed).
    Does not commit; saved photo files are removed by `discard_saved_photos` after a rollback."""
    client_id = (client_id or "").strip()
    if not CLIENT_ID_RE.match(client_id):
        raise Invalid({"client_id": "缺少或无效的提交编号（8–80 位字母数字）"})
    project = blocker_project(user, fields)
    digest = _blocker_hash(project.id, fields, [hashlib.sha256(raw).hexdigest() for raw in uploads])
    existing = _replayed(client_id, digest, user)
    if existing is not None:
        return existing, True
    project, clean, errors = _check_blocker(user, fields, len(uploads))
    cleaned = []
    if "photos" not in errors:
        for index, raw in enumerate(uploads, start=1):
            try:
                cleaned.append(photo_lib.clean_photo(raw))
            except photo_lib.PhotoRejected as refusal:
                errors["photos"] = f"第 {index} 张照片：{refusal}"
                break
    if errors:
        raise Invalid(errors)
    store = photo_lib.storage()
    photos = []
    for photo in cleaned:
        key = store.save(photo.data, ".jpg")
        _saved_photo_keys().append(key)
        photos.append(photo.stored(key))
    return _create_blocker(user, project, clean, client_id, digest, photos), False


def sync_blocker(user: User, body: dict, key: str) -> dict:
    """The offline outbox's `blocker.create` write: the same blocker, its photos uploaded resumably
    beforehand (their UUIDs in `photos`); a photo still arriving makes the write wait (retryable)."""
    uuids = body.get("photos") or []
    if not isinstance(uuids, list) or not all(isinstance(u, str) for u in uuids):
        raise Invalid({"photos": "照片应为已上传照片的编号列表"})
    project = blocker_project(user, body)
    existing = db.session.scalar(select(Blocker).where(Blocker.client_id == key))
    if existing is not None:  # sent online before with the same UUID
        if existing.reporter_id != user.id:
            raise Conflict("该提交编号已用于另一份内容不同的反映", code="idempotency_conflict")
        return {"blocker_id": existing.id, "case_id": existing.case_id}
    project, clean, errors = _check_blocker(user, body, len(uuids))
    if errors:
        raise Invalid(errors)
    stored = require_photos(user, uuids)
    digest = _blocker_hash(project.id, body, [p.sha256 for p in stored])
    photos = [{"storage_key": p.storage_key, "content_type": p.content_type, "width": p.width, "height": p.height,
               "size": p.stored_size, "sha256": p.sha256} for p in stored]
    blocker = _create_blocker(user, project, clean, key, digest, photos)
    case = blocker.case
    return {"blocker_id": blocker.id, "case_id": blocker.case_id, "case_number": case.number if case else None}


def _saved_photo_keys() -> list:
    if "blocker_photo_keys" not in g:
        g.blocker_photo_keys = []
    return g.blocker_photo_keys


def discard_saved_photos() -> None:
    """After a rollback: remove the photo files saved in this request."""
    keys = g.pop("blocker_photo_keys", [])
    store = photo_lib.storage()
    for key in keys:
        store.delete(key)


def get_blocker(user: User, blocker_id: int) -> Blocker:
    blocker = get_visible(user, Blocker, blocker_id, "堵点")
    return blocker


def blocker_events(blocker: Blocker, staff: bool) -> list[dict]:
    """The case's moves: staff see every move, the enterprise the public notes only."""
    if blocker.case_id is None:
        return []
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == blocker.case_id)
                                .order_by(CaseEvent.seq)).all()
    out, last = [], None
    for e in events:
        moved, last = e.to_state != last, e.to_state
        if not staff and not e.public_note and not moved:
            continue
        out.append({"at": iso_utc(e.at), "action": e.action, "label": ACTION_LABELS.get(e.action, e.action),
                    "state": e.to_state, "state_label": STATE_LABELS.get(e.to_state, e.to_state),
                    "note": e.public_note if not staff else (e.public_note or e.note)})
    return out


def blocker_view(blocker: Blocker, user: User, labels: dict | None = None, with_events: bool = False) -> dict:
    labels = labels if labels is not None else category_labels()
    case = blocker.case
    staff = user.role in STAFF
    view = {
        "id": blocker.id, "project_id": blocker.project_id, "category": blocker.category,
        "category_label": labels.get(blocker.category, blocker.category), "description": blocker.description,
        "department_id": blocker.department_id,
        "department": blocker.department.name if blocker.department else None,
        "contact_ok": blocker.contact_ok, "created_at": iso_utc(blocker.created_at), "channel": blocker.channel,
        "case_id": case.id if case else None, "case_number": case.number if case else None,
        "state": case.state if case else None, "state_label": STATE_LABELS.get(case.state) if case else None,
        "open": bool(case and case.state not in ("closed", "not_accepted", "merged", "handed_over", "sent_up")),
        "photos": [{"id": p.id, "url": f"/api/v1/blockers/{blocker.id}/photos/{p.id}"} for p in blocker.photos],
        "feedback_open": bool(case and case.state == "verified" and user.id == blocker.reporter_id),
        "satisfaction": case.satisfaction if case else None, "resolved": case.resolved if case else None,
    }
    if staff:
        view["reporter"] = db.session.scalar(select(User.display_name).where(User.id == blocker.reporter_id))
    if with_events:
        view["events"] = blocker_events(blocker, staff)
    return view


def open_for_feedback(user: User, blocker_id: int) -> Blocker:
    """The blocker whose return visit (回访) this user may answer now: its reporter's, once verified."""
    blocker = get_blocker(user, blocker_id)
    if blocker.reporter_id != user.id:
        raise ApiError(403, "forbidden", "只有反映人可以回复回访")
    case = blocker.case
    if case is None or case.state != "verified":
        raise ApiError(409, "feedback_not_open", "核查承办单位的答复后才能提交回访意见")
    return blocker


def blocker_feedback(user: User, blocker_id: int, data: dict) -> Blocker:
    """The enterprise answers the return visit of its blocker's case (data: bodies.BlockerFeedbackIn)."""
    blocker = open_for_feedback(user, blocker_id)
    reporter_return_visit(blocker.case, data["resolved"], data["satisfaction"], data.get("comment"))
    return blocker


def blocker_photo(user: User, blocker_id: int, photo_id: int) -> tuple[BlockerPhoto, bytes]:
    blocker = get_blocker(user, blocker_id)
    photo = next((p for p in blocker.photos if p.id == photo_id), None)
    if photo is None:
        raise NotFound("照片")
    return photo, photo_lib.storage().load(photo.storage_key)


def list_blockers(user: User, project_id: int | None = None, open_only: bool = False):
    statement = visible(user, Blocker)
    if project_id is not None:
        statement = statement.where(Blocker.project_id == project_id)
    if open_only:
        statement = statement.join(Case, Case.id == Blocker.case_id).where(Case.state.in_(OPEN_STATES))
    return statement.order_by(Blocker.id.desc())


def blocker_recipients(case_id: int) -> list[int]:
    """Who follows a case that came from a blocker: the reporting enterprise user (for push
    notifications of the case's moves). Empty when the case did not come from a blocker."""
    return [uid for uid in db.session.scalars(select(Blocker.reporter_id).where(Blocker.case_id == case_id))
            if uid is not None]
