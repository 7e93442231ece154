"""The rules of intake: plain functions, no request in here.

A submission is checked field by field (every refusal says what to fix, in Chinese), then stored in
one transaction: the report, its photos' rows, its case (state received, first event) and the
idempotency key with the first answer. Photo bytes go to the storage first and are removed again if
that transaction does not commit, so a refused or failed submission leaves nothing behind.
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import Connection, bindparam, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload, selectinload

from jiandu import audit
from jiandu.cases.models import CaseEvent
from jiandu.errors import ApiError, Conflict, Invalid, NotFound
from jiandu.extensions import db
from jiandu.intake import cache as intake_cache
from jiandu.intake import idempotency, rating_tokens
from jiandu.files import photos as photo_lib
from jiandu.intake.defaults import CATEGORIES, RATING_REASONS
from jiandu.intake.i18n import PUBLIC_STATES, pick_lang
from jiandu.intake.models import (
    BAD_RATING, KINDS, RATING_LEVELS, RATING_LEVELS_EN, IdempotencyKey, Photo, RatingReason, Report,
    ReportCategory,
)
from jiandu.org.categories import refuse_rerouting_a_lead
from jiandu.org.models import Point, Unit, User
from jiandu.org.scope import get_visible, visible
from jiandu.security import decrypt_contact, encrypt_contact, normalise_code, token_digest
from jiandu.sqlite import begin_writing
from jiandu.timeutil import iso_utc, utcnow

MAX_REPORT_TEXT = 1000
MIN_REPORT_TEXT = 5
MAX_RATING_TEXT = 500
MAX_REASONS = 8
MAX_FEEDBACK_TEXT = 300
KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,80}$")  # the offline sync's keys (intake's own: idempotency.py)
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
# Han characters, letters, the middle dots of minority and foreign names, spaces inside.
NAME_RE = re.compile(r"^[\u3400-\u9fffA-Za-z][\u3400-\u9fffA-Za-z·•.\- ]{0,18}[\u3400-\u9fffA-Za-z]$")
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 16  # 31**16 ≈ 2**79: unguessable; four groups of four: copyable
CONTACT_ROLES = ("admin", "inspector")
READ_ROLES = ("admin", "inspector")
CHANNEL_BY_POINT_TYPE = {"window": "window_code", "hall": "hall_code", "website": "website",
                         "project": "project_app"}
STATE_OPEN_FOR_FEEDBACK = ("verified",)  # the closed loop's rule: after 核查, before 回访
# The return visit's scale is the case's: 5 = 非常满意 … 1 = 非常不满意.
SATISFACTION = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
SATISFACTION_EN = {5: "Very satisfied", 4: "Satisfied", 3: "Fairly satisfied", 2: "Dissatisfied",
                   1: "Very dissatisfied"}


# --- editable data: categories and rating reasons ---------------------------------------------

def seed_categories() -> int:
    """Add the default categories and rating reasons that are missing (by code). Safe to call again."""
    added = 0
    have = set(db.session.scalars(select(ReportCategory.code)))
    for sort, (code, name, name_en, case_type) in enumerate(CATEGORIES):
        if code not in have:
            db.session.add(ReportCategory(code=code, name=name, name_en=name_en, case_type=case_type,
                                          sort=(sort + 1) * 10, active=True))
            added += 1
    have = set(db.session.scalars(select(RatingReason.code)))
    for sort, (code, polarity, name, name_en) in enumerate(RATING_REASONS):
        if code not in have:
            db.session.add(RatingReason(code=code, polarity=polarity, name=name, name_en=name_en,
                                        sort=(sort + 1) * 10, active=True))
            added += 1
    db.session.flush()
    return added


def ensure_seeded() -> bool:
    """A fresh installation has the defaults the first time anyone asks; True when it added them."""
    if db.session.scalar(select(ReportCategory.id).limit(1)) is not None:
        return False
    try:
        with db.session.begin_nested():
            seed_categories()
    except IntegrityError:  # another process seeded at the same moment
        return False
    return True


def active_categories() -> list[ReportCategory]:
    return list(db.session.scalars(select(ReportCategory).where(ReportCategory.active)
                                   .order_by(ReportCategory.sort, ReportCategory.id)))


def active_reasons() -> list[RatingReason]:
    return list(db.session.scalars(select(RatingReason).where(RatingReason.active)
                                   .order_by(RatingReason.sort, RatingReason.id)))


def landing_options() -> dict:
    """Categories and reasons as the landing page shows them (plain values, cached briefly)."""
    ttl = intake_cache.seconds()
    found = intake_cache.options.get("all") if ttl else None
    if found is not None:
        return found
    if ensure_seeded():
        db.session.commit()

    def item(row, **extra):
        return {"code": row.code, "name": row.name, "name_en": row.name_en or row.name, **extra}

    found = {"categories": [item(c) for c in active_categories()],
             "reasons": [item(r, polarity=r.polarity) for r in active_reasons()]}
    if ttl:
        intake_cache.options.put("all", found, ttl)
    return found


def all_categories() -> list[ReportCategory]:
    return list(db.session.scalars(select(ReportCategory).order_by(ReportCategory.sort, ReportCategory.id)))


CATEGORY_FIELDS = ("name", "name_en", "case_type", "sort", "active")


def create_category(actor: User, data: dict) -> ReportCategory:
    _require(actor, "admin")
    if db.session.scalar(select(ReportCategory.id).where(ReportCategory.code == data["code"])) is not None:
        raise Invalid({"code": "该代码已存在"})
    category = ReportCategory(code=data["code"], **{k: data[k] for k in CATEGORY_FIELDS if k in data})
    db.session.add(category)
    db.session.flush()
    audit.record(actor.id, "report_category_create", category, code=category.code)
    intake_cache.clear()
    return category


def update_category(actor: User, code: str, data: dict) -> ReportCategory:
    _require(actor, "admin")
    category = db.session.scalar(select(ReportCategory).where(ReportCategory.code == code))
    if category is None:
        raise NotFound("问题类型")
    refuse_rerouting_a_lead(category.case_type, data.get("case_type"))
    for key in CATEGORY_FIELDS:
        if key in data:
            setattr(category, key, data[key])
    audit.record(actor.id, "report_category_update", category, **data)
    intake_cache.clear()
    return category


# --- points ------------------------------------------------------------------------------------

def point_stamp(code: str) -> tuple[int, bool] | None:
    """(version, active) of the point behind an exact code: what decides if a cached page is current.
    Every landing page asks, so it is one statement on a pooled DB-API connection, outside the session
    and its transaction (a session bound to a single connection reads within it)."""
    bind = db.session.get_bind()
    if isinstance(bind, Connection):
        row = bind.execute(_STAMP_LOOKUP, {"code": code}).first()
    else:
        row = _read_one(bind, _STAMP_LOOKUP, {"code": code})
    return None if row is None else (row[0], bool(row[1]))


_COMPILED: dict = {}


def _read_one(engine, statement, values: dict):
    """The first row of a SELECT run straight on a pooled DB-API connection: no session, no
    transaction of ours, SQL compiled once per dialect (columns without type conversions only)."""
    compiled = _COMPILED.get((engine.dialect.name, statement))
    if compiled is None:
        compiled = _COMPILED[(engine.dialect.name, statement)] = statement.compile(dialect=engine.dialect)
    params = compiled.construct_params(values)
    if compiled.positional:
        params = [params[name] for name in compiled.positiontup]
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(compiled.string, params)
        return cursor.fetchone()
    finally:
        connection.close()  # back to the pool


def point_for_code(code: str) -> Point | None:
    """The point behind a code, with what its landing page shows (one query)."""
    return db.session.scalar(
        select(Point).where(Point.code == normalise_code(code))
        .options(joinedload(Point.hall), joinedload(Point.department), joinedload(Point.jurisdiction))
    )


def point_origin_allowed(point: Point, origin: str | None) -> bool:
    return bool(origin) and point.type == "website" and origin.rstrip("/") in {o.rstrip("/") for o in point.origins}


def embed_snippet(point: Point, base_url: str) -> str:
    base = base_url.rstrip("/")
    return f'<script src="{base}/embed.js" data-code="{point.code}" async></script>'


def embed_snippet_for(actor: User, point_id: int, base_url: str) -> dict:
    point = get_visible(actor, Point, point_id, "点位")
    if point.type != "website":
        raise Invalid({"type": "只有网站类点位可以嵌入监督按钮"})
    return {"point_id": point.id, "code": point.code, "snippet": embed_snippet(point, base_url),
            "allowed_origins": point.origins}


# --- submissions -------------------------------------------------------------------------------

@dataclass
class Upload:
    """A photo as it came in: never stored as is."""
    filename: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class Submission:
    fields: dict
    uploads: list[Upload] = field(default_factory=list)
    key: str | None = None
    client: str = "api"  # web (the landing script) | form (no script) | api
    device: str | None = None  # the id of the device the server issued, when the request showed one
    address: str = ""  # the address it came from (as far as trusted proxies tell)
    origin: str | None = None  # the website that embedded the form, when it did
    page: str | None = None
    lang: str = "zh"


@dataclass
class Outcome:
    status: int
    body: dict
    replayed: bool = False


def _text(value, limit: int = 5000) -> str:
    """A string from whatever came (JSON or form): stripped, newlines unified, control chars out."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    text = str(value)[: limit * 2 + 16].replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C")
    return unicodedata.normalize("NFC", text).strip()


def _flag(value, default: bool) -> bool | None:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on", "anonymous"):
        return True
    if text in ("0", "false", "no", "off", "real_name"):
        return False
    return None


def _list(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v for v in (p.strip() for p in value.split(",")) if v]
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value)]


def _phone(value) -> str:
    digits = re.sub(r"[\s\-()]", "", _text(value, 40))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
            digits = digits[len(prefix):]
    return digits


def canonical(sub: Submission) -> dict:
    """The content of a submission as the idempotency hash sees it (whatever the encoding)."""
    f = sub.fields
    anonymous = _flag(f.get("anonymous"), True)
    return {
        "point_code": normalise_code(_text(f.get("point_code"), 32)),
        "kind": _text(f.get("kind"), 16),
        "rating": _text(f.get("rating"), 8),
        "reasons": sorted(set(_list(f.get("reasons")))),
        "category": _text(f.get("category"), 40),
        "description": _text(f.get("description"), MAX_REPORT_TEXT),
        "anonymous": anonymous,
        "name": "" if anonymous is not False else _text(f.get("name"), 40),
        "phone": "" if anonymous is not False else _phone(f.get("phone")),
        "photos": [u.sha256 for u in sub.uploads],
    }


def body_hash(sub: Submission, data: dict | None = None) -> str:
    return idempotency.body_hash(canonical(sub) if data is None else data)


def validate(sub: Submission, data: dict | None = None) -> dict:
    """Every field checked; all problems at once, keyed by field, in Chinese. `data`: canonical(sub), when
    the caller has it already."""
    data = canonical(sub) if data is None else data
    errors: dict[str, str] = {}
    if _text(sub.fields.get("homepage"), 200):
        errors["_"] = "提交被拒绝（请勿填写隐藏的“请勿填写此项”一栏）"
    kind = data["kind"]
    category_code = data["category"] if kind == "report" else None
    point = _point_row(data["point_code"], category_code) if data["point_code"] else None
    if point is None:
        errors["point_code"] = "监督码不存在，请核对后重试"
    elif not point["active"]:
        errors["point_code"] = "该监督点位已停用"
    if kind not in KINDS:
        errors["kind"] = "请选择“评价服务”或“反映问题”"
    clean = {"point": point, "kind": kind, "rating": None,
             "reasons": [], "reason_names": [], "category": None, "description": data["description"] or None,
             "anonymous": True, "name": None, "phone": None}

    if kind == "rating":
        try:
            rating = int(data["rating"])
        except ValueError:
            rating = None
        if rating not in RATING_LEVELS:
            errors["rating"] = "请选择满意程度"
        else:
            clean["rating"] = rating
            polarity = "bad" if rating >= BAD_RATING else "good"
            allowed = _reason_names(data["reasons"], polarity)
            if len(data["reasons"]) > MAX_REASONS:
                errors["reasons"] = f"原因最多选择 {MAX_REASONS} 项"
            elif any(code not in allowed for code in data["reasons"]):
                errors["reasons"] = "所选原因与满意程度不符或已停用，请重新选择"
            elif polarity == "bad" and not data["reasons"] and not data["description"]:
                errors["reasons"] = "请选择不满意的原因，或在补充说明中写几句"
            clean["reasons"] = data["reasons"]
            clean["reason_names"] = [allowed.get(code, code) for code in data["reasons"]]
        if len(data["description"]) > MAX_RATING_TEXT:
            errors["description"] = f"补充说明不能超过 {MAX_RATING_TEXT} 字（现有 {len(data['description'])} 字）"
        if sub.uploads:
            errors["photos"] = "评价不能附照片；如需附照片，请选择“反映问题”"
        try:
            clean["ticket"] = rating_tokens.unused_for_point(_text(sub.fields.get("rating_token"), 200),
                                                             data["point_code"])
        except rating_tokens.TokenRefused as refusal:
            errors["rating_token"] = str(refusal)
    elif kind == "report":
        found = point["category_row"] if point is not None and point["category_row"] is not None else (
            _category_row(data["category"]) if data["category"] else None)
        if not data["category"]:
            errors["category"] = "请选择问题类型"
        elif found is None:
            errors["category"] = "该问题类型不存在或已停用，请重新选择"
        else:
            clean["category"] = found
        length = len(data["description"])
        if length < MIN_REPORT_TEXT:
            errors["description"] = f"请至少写 {MIN_REPORT_TEXT} 个字，说明发生了什么"
        elif length > MAX_REPORT_TEXT:
            errors["description"] = f"具体情况不能超过 {MAX_REPORT_TEXT} 字（现有 {length} 字）"
        if len(sub.uploads) > photo_lib.MAX_PHOTOS:
            errors["photos"] = f"最多上传 {photo_lib.MAX_PHOTOS} 张照片"

    anonymous = data["anonymous"]
    if anonymous is None:
        errors["anonymous"] = "请选择匿名或实名"
    elif anonymous is False:
        clean["anonymous"] = False
        if not data["name"]:
            errors["name"] = "实名反映请填写姓名"
        elif not NAME_RE.match(data["name"]):
            errors["name"] = "姓名应为 2–20 个汉字或字母"
        if not data["phone"]:
            errors["phone"] = "实名反映请填写手机号"
        elif not PHONE_RE.match(data["phone"]):
            errors["phone"] = "请填写正确的 11 位手机号"
        clean["name"], clean["phone"] = data["name"], data["phone"]
    if errors:
        raise Invalid(errors)
    return clean


def _core(statement, params: dict | None = None):
    """A column-only SELECT on the session's connection, without the ORM's machinery (hot path)."""
    return db.session.connection().execute(statement, params)


# The look-ups of the hot path, built once (SQLAlchemy then reuses their compiled form and cache key).
_POINT_LOOKUP = (
    select(Point.id, Point.code, Point.type, Point.active, Point.jurisdiction_id, Point.department_id,
           Point.project_id, Point.allowed_origins, Point.number, Point.name, Unit.name.label("hall"))
    .outerjoin(Unit, Unit.id == Point.hall_id).where(Point.code == bindparam("code")))
# The point and, for a report, its category in one statement (the category is looked for on its own only
# when this finds none: an unknown code, or a fresh installation not seeded yet).
_CATEGORY_JOIN = (ReportCategory.code == bindparam("category")) & ReportCategory.active
_POINT_AND_CATEGORY_LOOKUP = _POINT_LOOKUP.add_columns(
    ReportCategory.code.label("category_code"), ReportCategory.name.label("category_name"),
    ReportCategory.case_type.label("category_case_type")).outerjoin(ReportCategory, _CATEGORY_JOIN)
_CATEGORY_LOOKUP = select(ReportCategory.code, ReportCategory.name, ReportCategory.case_type).where(
    ReportCategory.code == bindparam("code"), ReportCategory.active)
_STAMP_LOOKUP = select(Point.version, Point.active).where(Point.code == bindparam("code"))
_KEY_LOOKUP = select(IdempotencyKey.body_hash, IdempotencyKey.status, IdempotencyKey.response_enc).where(
    IdempotencyKey.key == bindparam("key"))


def _point_row(code: str, category: str | None = None) -> dict | None:
    """What a submission needs of its point, as plain values (they outlive the reading transaction);
    with `category`, also that active category's row, or None, under "category_row"."""
    if category:
        row = _core(_POINT_AND_CATEGORY_LOOKUP, {"code": code, "category": category}).first()
    else:
        row = _core(_POINT_LOOKUP, {"code": code}).first()
    if row is None:
        return None
    facts = row._asdict()
    found = facts.pop("category_code", None)
    facts["category_row"] = {"code": found, "name": facts.pop("category_name"),
                             "case_type": facts.pop("category_case_type")} if found is not None else None
    facts["origins"] = [o.strip() for o in (row.allowed_origins or "").splitlines() if o.strip()]
    facts["label"] = _label(row.type, row.hall, row.number, row.name)
    return facts


def _category_row(code: str) -> dict | None:
    row = _core(_CATEGORY_LOOKUP, {"code": code}).first()
    if row is None and ensure_seeded():
        row = _core(_CATEGORY_LOOKUP, {"code": code}).first()
    return row._asdict() if row is not None else None


def _reason_names(codes: list[str], polarity: str) -> dict:
    """The active reasons of this polarity among `codes`: {code: name}."""
    if not codes:
        return {}
    statement = select(RatingReason.code, RatingReason.name).where(
        RatingReason.code.in_(codes[:MAX_REASONS + 1]), RatingReason.polarity == polarity, RatingReason.active)
    rows = _core(statement).all()
    if not rows and ensure_seeded():
        rows = _core(statement).all()
    return {row.code: row.name for row in rows}


def _clean_photos(uploads: list[Upload]) -> list[photo_lib.CleanPhoto]:
    cleaned = []
    for index, upload in enumerate(uploads, start=1):
        try:
            cleaned.append(photo_lib.clean_photo(upload.data))
        except photo_lib.PhotoRejected as refusal:
            raise Invalid({"photos": f"第 {index} 张照片：{refusal}"}) from None
    return cleaned


_TRACKING_TOKENS = len(TRACKING_ALPHABET) ** TRACKING_LENGTH


def new_tracking_token() -> str:
    """One of all the tokens, each as likely: a uniform number below their count, written in the alphabet."""
    number, letters = secrets.randbelow(_TRACKING_TOKENS), []
    for _ in range(TRACKING_LENGTH):
        number, digit = divmod(number, len(TRACKING_ALPHABET))
        letters.append(TRACKING_ALPHABET[digit])
    return "".join(letters)


def normalise_tracking(token: str) -> str:
    return re.sub(r"[\s\-_]", "", (token or "").strip().upper())[:40]


def format_tracking(token: str) -> str:
    return "-".join(token[i:i + 4] for i in range(0, len(token), 4))


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


def point_label(point: Point, lang: str = "zh") -> str:
    return _label(point.type, point.hall.name if point.hall is not None else None, point.number, point.name, lang)


def _label(point_type: str, hall: str | None, number: str | None, name: str, lang: str = "zh") -> str:
    parts = []
    if hall and point_type != "hall":
        parts.append(hall)
    if number:
        parts.append(f"{number}号窗口" if lang == "zh" else f"Window {number}")
    parts.append(name)
    return " ".join(parts)


def _stored_answer(row: IdempotencyKey) -> dict:
    return json.loads(decrypt_contact(row.response_enc) or "{}")


def _replay(key: str, digest: str) -> Outcome | None:
    row = _core(_KEY_LOOKUP, {"key": key}).first()
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
        data["kind"], _text(sub.fields.get("rating_token"), 200), sub.device, sub.address))
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
    from jiandu.cases.service import insert_case

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


# --- tracking (public) -------------------------------------------------------------------------

def report_by_token(token: str) -> Report | None:
    plain = normalise_tracking(token)
    if len(plain) != TRACKING_LENGTH or any(ch not in TRACKING_ALPHABET for ch in plain):
        return None
    return db.session.scalar(select(Report).where(Report.tracking_digest == token_digest(plain))
                             .options(joinedload(Report.point).joinedload(Point.hall)))


def public_timeline(report: Report, lang: str = "zh") -> dict:
    """What the holder of a tracking token may read: states and public replies; nothing internal."""
    lang = pick_lang(lang)
    names = PUBLIC_STATES[lang]
    case = report.case
    events = []
    if case is not None:
        last_state = None
        for event in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                        .order_by(CaseEvent.seq)):
            moved = event.to_state != last_state
            last_state = event.to_state
            if not moved and not event.public_note:
                continue  # internal moves (urging, notes) that change nothing the reporter can see
            events.append({"state": event.to_state, "label": names.get(event.to_state, names["parked"]),
                           "at": iso_utc(event.at), "public_note": event.public_note})
    category = None
    if report.category:
        row = db.session.scalar(select(ReportCategory).where(ReportCategory.code == report.category))
        category = (row.name_en or row.name) if row is not None and lang == "en" else (row.name if row else None)
    reasons = {r.code: r for r in db.session.scalars(select(RatingReason))}
    return {
        "kind": report.kind,
        "rating": report.rating,
        "rating_label": (RATING_LEVELS_EN if lang == "en" else RATING_LEVELS).get(report.rating),
        "reasons": [(reasons[c].name_en or reasons[c].name) if lang == "en" else reasons[c].name
                    for c in report.reason_codes if c in reasons],
        "category": category,
        "description": report.description,
        "photos": len(report.photos),
        "point": point_label(report.point, lang),
        "submitted_at": iso_utc(report.created_at),
        "case_number": case.number if case else None,
        "state": case.state if case else None,
        "state_label": names.get(case.state, names["parked"]) if case else None,
        "closed": bool(case and case.state == "closed"),
        "events": events,
        "feedback": _feedback_view(report),
        "feedback_open": feedback_open(report),
    }


def _feedback_view(report: Report) -> dict | None:
    if report.feedback_at is None:
        return None
    return {"resolved": report.feedback_resolved, "satisfaction": report.feedback_satisfaction,
            "comment": report.feedback_comment, "at": iso_utc(report.feedback_at)}


def feedback_open(report: Report) -> bool:
    """The reporter may answer the return visit once the commission has checked the unit's answer."""
    case = report.case
    return case is not None and report.feedback_at is None and case.state in STATE_OPEN_FOR_FEEDBACK


def record_feedback(report: Report, fields: dict) -> Report:
    """The reporter's own answer to the return visit (回访): resolved? how satisfied? Once. Does not commit.

    `satisfaction` is on the case's scale: 5 = 非常满意 … 1 = 非常不满意."""
    from jiandu.cases.service import reporter_return_visit

    if report.feedback_at is not None:
        raise Conflict("您已提交过回访意见", code="feedback_given")
    if not feedback_open(report):
        raise ApiError(409, "feedback_not_open", "核查承办单位的答复后才能提交回访意见")
    errors = {}
    resolved = _flag(fields.get("resolved"), None)
    try:
        satisfaction = int(_text(fields.get("satisfaction"), 4))
    except ValueError:
        satisfaction = None
    comment = _text(fields.get("comment"), MAX_FEEDBACK_TEXT)
    if resolved is None:
        errors["resolved"] = "请选择问题是否已解决"
    if satisfaction not in SATISFACTION:
        errors["satisfaction"] = "请选择对办理结果的满意程度"
    if len(comment) > MAX_FEEDBACK_TEXT:
        errors["comment"] = f"不能超过 {MAX_FEEDBACK_TEXT} 字（现有 {len(comment)} 字）"
    if errors:
        raise Invalid(errors)
    reporter_return_visit(report.case, resolved, satisfaction, comment or None)
    report.feedback_resolved, report.feedback_satisfaction = resolved, satisfaction
    report.feedback_comment = comment or None
    report.feedback_at = utcnow()
    return report


# --- inspectors --------------------------------------------------------------------------------

def _require(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise ApiError(403, "forbidden", "您的角色无权执行此操作")


@dataclass
class ReportFilters:
    kind: str | None = None
    rating_min: int | None = None
    rating_max: int | None = None
    category: str | None = None
    point_id: int | None = None
    department_id: int | None = None
    has_case: bool | None = None
    since_id: int | None = None
    q: str | None = None


def reports_query(user: User, f: ReportFilters):
    _require(user, *READ_ROLES)
    statement = visible(user, Report).options(
        joinedload(Report.point).joinedload(Point.hall), joinedload(Report.case), selectinload(Report.photos))
    if f.kind:
        statement = statement.where(Report.kind == f.kind)
    if f.rating_min is not None:
        statement = statement.where(Report.rating >= f.rating_min)
    if f.rating_max is not None:
        statement = statement.where(Report.rating <= f.rating_max)
    if f.category:
        statement = statement.where(Report.category == f.category)
    if f.point_id:
        statement = statement.where(Report.point_id == f.point_id)
    if f.department_id:
        statement = statement.where(Report.department_id == f.department_id)
    if f.has_case is not None:
        statement = statement.where(Report.case_id.is_not(None) if f.has_case else Report.case_id.is_(None))
    if f.since_id:
        statement = statement.where(Report.id > f.since_id)
    if f.q:
        statement = statement.where(Report.description.contains(f.q[:50]))
    return statement.order_by(Report.id.desc())


def get_report(user: User, report_id: int) -> Report:
    _require(user, *READ_ROLES)
    return get_visible(user, Report, report_id, "反映")


def reveal_contact(user: User, report_id: int) -> dict:
    """The reporter's name and phone for the roles that need them; every reveal is an audit event."""
    report = get_report(user, report_id)
    _require(user, *CONTACT_ROLES)
    if report.anonymous or not report.has_contact:
        raise NotFound("实名联系方式")
    audit.record(user.id, "contact_reveal", report, case_id=report.case_id)
    return {"report_id": report.id, "name": decrypt_contact(report.contact_name_enc),
            "phone": decrypt_contact(report.contact_phone_enc)}


def photo_of(user: User, report_id: int, photo_id: int) -> tuple[Photo, bytes]:
    report = get_report(user, report_id)
    photo = next((p for p in report.photos if p.id == photo_id), None)
    if photo is None:
        raise NotFound("照片")
    return photo, photo_lib.storage().load(photo.storage_key)


def labels() -> dict:
    """Names of codes, for dumping lists without a query per row."""
    return {
        "categories": {c.code: c.name for c in db.session.scalars(select(ReportCategory))},
        "reasons": {r.code: r.name for r in db.session.scalars(select(RatingReason))},
    }

