"""Storing a submission exactly once: prepared outside the database's lock, written in one transaction.

One transaction writes the report, its photos' rows, its case (state received, first event) and the
idempotency key with the first answer. Photo bytes go to the storage first and are removed again if
that transaction does not commit, so a refused or failed submission leaves nothing behind.
"""
from __future__ import annotations

import json

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError

from jiandu.cases.service import insert_case
from jiandu.errors import Conflict, Invalid
from jiandu.extensions import db
from jiandu.files import photos as photo_lib
from jiandu.intake import idempotency, rating_tokens
from jiandu.intake.form_values import plain_text
from jiandu.intake.i18n import pick_lang
from jiandu.intake.models import BAD_RATING, RATING_LEVELS, IdempotencyKey, Photo, Report
from jiandu.intake.submission import Outcome, Submission, Upload, body_hash, canonical, core_select, validate
from jiandu.intake.tracking import format_tracking, new_tracking_token
from jiandu.security import decrypt_contact, encrypt_contact, token_digest
from jiandu.sqlite import begin_writing
from jiandu.timeutil import utcnow

CHANNEL_BY_POINT_TYPE = {"window": "window_code", "hall": "hall_code", "website": "website",
                         "project": "project_app"}
_KEY_LOOKUP = select(IdempotencyKey.body_hash, IdempotencyKey.status, IdempotencyKey.response_enc).where(
    IdempotencyKey.key == bindparam("key"))


def _clean_photos(uploads: list[Upload]) -> list[photo_lib.CleanPhoto]:
    cleaned = []
    for index, upload in enumerate(uploads, start=1):
        try:
            cleaned.append(photo_lib.clean_photo(upload.data))
        except photo_lib.PhotoRejected as refusal:
            raise Invalid({"photos": f"第 {index} 张照片：{refusal}"}) from None
    return cleaned


def _summary(clean: dict) -> str:
    where = clean["point"]["label"]
    if clean["kind"] == "rating":
        text = f"差评（{RATING_LEVELS[clean['rating']]}）{where}"
        if clean["reason_names"]:
            text += "：" + "、".join(clean["reason_names"])
        if clean["description"]:
            text += f"；{clean['description']}"
        return text[:200]
    return f"{clean['category']['name']}｜{where}：{clean['description']}"[:200]


def _stored_answer(row: IdempotencyKey) -> dict:
    return json.loads(decrypt_contact(row.response_enc) or "{}")


def _replay(key: str, digest: str) -> Outcome | None:
    row = core_select(_KEY_LOOKUP, {"key": key}).first()
    if row is None:
        return None
    if row.body_hash != digest:
        raise Conflict("该提交编号已用于另一份内容不同的反映，请刷新页面后重新提交", code="idempotency_conflict")
    return Outcome(row.status, _stored_answer(row), replayed=True)


def submit(sub: Submission) -> Outcome:
    """Store one submission, exactly once per idempotency key. Commits.

    One transaction checks and writes: it takes SQLite's write lock at its BEGIN (IMMEDIATE), so that
    what was checked (the point active, the key unused) still holds when the rows go in, and so that
    it waits its turn there (one that read first and then wrote would fail at once when another
    writer got in between: "database is locked"). The key is not looked up first: it is inserted with
    the answer, and its unique constraint turns a resend (or a racing twin) into a conflict, answered
    with the stored first answer. Photos are the exception: decoding them is slow and must not hold
    the lock, so a submission with photos looks for its key and is checked before, in a reading
    transaction, and checked again in the writing one.
    """
    data = canonical(sub)
    key = idempotency.bound(idempotency.checked(sub.key), idempotency.sender(
        data["kind"], plain_text(sub.fields.get("rating_token"), 200), sub.device, sub.address))
    digest = body_hash(sub, data)
    cleaned_photos = []
    if sub.uploads:
        replay = _replay(key, digest)
        if replay is not None:
            return replay
        checked = _checked(sub, key, digest, data)
        if isinstance(checked, Outcome):
            return checked
        cleaned_photos = _clean_photos(sub.uploads) if checked["kind"] == "report" else []
        db.session.commit()  # end of reading: the photos are ready, the write lock is not held yet
    store = photo_lib.storage() if cleaned_photos else None
    for attempt in range(4):
        saved_keys: list[str] = []
        try:
            connection = begin_writing(db.session)
            checked = _checked(sub, key, digest, data)
            if isinstance(checked, Outcome):
                db.session.rollback()
                return checked
            outcome = _store(connection, key, digest, checked, _prepare(sub, checked), cleaned_photos, store,
                             saved_keys)
            db.session.commit()
            return outcome
        except (IntegrityError, OperationalError):
            # The key is taken (a resend, or a racing request with the same key that won), or the
            # database was busy too long: undo ours, then answer as the first did, or try again.
            db.session.rollback()
            for stored in saved_keys:
                store.delete(stored)
            replay = _replay(key, digest)
            if replay is not None:
                return replay
            db.session.rollback()
            if attempt == 3:
                raise
        except BaseException:
            db.session.rollback()
            for stored in saved_keys:
                store.delete(stored)
            raise
    raise AssertionError("unreachable")


def _checked(sub: Submission, key: str, digest: str, data: dict) -> dict | Outcome:
    """The validated submission; or, when the form is refused but its key stored this very content
    before, the first answer (a resend is answered as the first time even if the form would be
    refused now, its point deactivated since, say); a different content under a used key is a 409."""
    try:
        return validate(sub, data)
    except Invalid:
        replay = _replay(key, digest)
        if replay is not None:
            return replay
        raise


def _prepare(sub: Submission, clean: dict) -> dict:
    """Everything of the writing that can be worked out before the database is held."""
    point = clean["point"]
    opens_case = clean["kind"] == "report" or (clean["rating"] or 0) >= BAD_RATING
    allowed = {o.rstrip("/") for o in point["origins"]} if point["type"] == "website" else set()
    origin = sub.origin.rstrip("/") if sub.origin and sub.origin.rstrip("/") in allowed else None
    page = (sub.page or "")[:500] if origin and (sub.page or "").startswith(origin) else None
    channel = CHANNEL_BY_POINT_TYPE.get(point["type"], "window_code")
    category = clean["category"]
    row = {
        "point_id": point["id"], "jurisdiction_id": point["jurisdiction_id"],
        "department_id": point["department_id"], "project_id": point["project_id"], "kind": clean["kind"],
        "rating": clean["rating"], "reasons": json.dumps(clean["reasons"]) if clean["reasons"] else None,
        "category": category["code"] if category else None, "description": clean["description"],
        "anonymous": clean["anonymous"], "contact_name_enc": encrypt_contact(clean["name"]),
        "contact_phone_enc": encrypt_contact(clean["phone"]), "tracking_digest": None, "channel": channel,
        "client": sub.client, "origin_site": origin, "origin_page": page, "lang": pick_lang(sub.lang),
        **rating_tokens.trace(clean.get("ticket")),
    }
    case = None
    if opens_case:
        case = {"channel": channel, "summary": _summary(clean), "jurisdiction_id": point["jurisdiction_id"],
                "point_id": point["id"], "department_id": point["department_id"], "project_id": point["project_id"],
                "category": category["code"] if category else "bad_rating",
                "case_type": category["case_type"] if category else "work_style"}
    return {"row": row, "case": case}


def _store(connection, key, digest, clean, prepared, cleaned_photos, store, saved_keys) -> Outcome:
    """The writing: photo files first, then one statement per row, plain Core on the write transaction."""
    token = new_tracking_token() if prepared["case"] else None
    row = {**prepared["row"], "created_at": utcnow(), "tracking_digest": token_digest(token) if token else None}
    photo_keys = [store.save(photo.data, ".jpg") for photo in cleaned_photos]
    saved_keys.extend(photo_keys)

    case = insert_case(connection, **prepared["case"])[0] if prepared["case"] else None
    row["case_id"] = case["id"] if case else None
    report_id = connection.execute(_REPORT_INSERT, row).inserted_primary_key[0]
    if cleaned_photos:
        connection.execute(insert(Photo.__table__), [
            {"report_id": report_id, **photo.stored(stored), "created_at": row["created_at"]}
            for stored, photo in zip(photo_keys, cleaned_photos)])
    body = {
        "report_id": report_id,
        "kind": clean["kind"],
        "case_id": case["id"] if case else None,
        "case_number": case["number"] if case else None,
        "state": case["state"] if case else None,
        "tracking_token": token,
        "tracking_code": format_tracking(token) if token else None,
        "tracking_url": f"/t/{token}" if token else None,
        "photos": len(cleaned_photos),
        "message": "已受理，请保存查询码" if case else "感谢您的评价",
    }
    connection.execute(_KEY_INSERT, {
        "key": key, "body_hash": digest, "status": 201, "report_id": report_id, "created_at": row["created_at"],
        "response_enc": encrypt_contact(json.dumps(body, ensure_ascii=False))})
    return Outcome(201, body)


# Built once: the statements of the hot path, compiled and cached by SQLAlchemy.
_REPORT_INSERT = insert(Report.__table__)
_KEY_INSERT = insert(IdempotencyKey.__table__)
