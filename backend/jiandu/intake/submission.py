"""A submission (a rating or a report from a citizen) and its checks: every field at once, in Chinese.

What it refers to (point, category, reasons) is read with column-only statements built once: this is
the hot path of every scan.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select

from jiandu.errors import Invalid
from jiandu.extensions import db
from jiandu.files import photos as photo_lib
from jiandu.intake import idempotency, rating_tokens
from jiandu.intake.categories import ensure_seeded
from jiandu.intake.form_values import code_list, phone_digits, plain_text, yes_no
from jiandu.intake.models import BAD_RATING, KINDS, RATING_LEVELS, RatingReason, ReportCategory
from jiandu.intake.points import place_label
from jiandu.org.models import Point, Unit
from jiandu.security import normalise_code

MAX_REPORT_TEXT = 1000
MIN_REPORT_TEXT = 5
MAX_RATING_TEXT = 500
MAX_REASONS = 8
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
# Han characters, letters, the middle dots of minority and foreign names, spaces inside.
NAME_RE = re.compile(r"^[\u3400-\u9fffA-Za-z][\u3400-\u9fffA-Za-z·•.\- ]{0,18}[\u3400-\u9fffA-Za-z]$")


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

def canonical(sub: Submission) -> dict:
    """The content of a submission as the idempotency hash sees it (whatever the encoding)."""
    f = sub.fields
    anonymous = yes_no(f.get("anonymous"), True)
    return {
        "point_code": normalise_code(plain_text(f.get("point_code"), 32)),
        "kind": plain_text(f.get("kind"), 16),
        "rating": plain_text(f.get("rating"), 8),
        "reasons": sorted(set(code_list(f.get("reasons")))),
        "category": plain_text(f.get("category"), 40),
        "description": plain_text(f.get("description"), MAX_REPORT_TEXT),
        "anonymous": anonymous,
        "name": "" if anonymous is not False else plain_text(f.get("name"), 40),
        "phone": "" if anonymous is not False else phone_digits(f.get("phone")),
        "photos": [u.sha256 for u in sub.uploads],
    }


def body_hash(sub: Submission, data: dict | None = None) -> str:
    return idempotency.body_hash(canonical(sub) if data is None else data)


def validate(sub: Submission, data: dict | None = None) -> dict:
    """Every field checked; all problems at once, keyed by field, in Chinese. `data`: canonical(sub), when
    the caller has it already."""
    data = canonical(sub) if data is None else data
    errors: dict[str, str] = {}
    if plain_text(sub.fields.get("homepage"), 200):
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
            clean["ticket"] = rating_tokens.unused_for_point(plain_text(sub.fields.get("rating_token"), 200),
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


def core_select(statement, params: dict | None = None):
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


def _point_row(code: str, category: str | None = None) -> dict | None:
    """What a submission needs of its point, as plain values (they outlive the reading transaction);
    with `category`, also that active category's row, or None, under "category_row"."""
    if category:
        row = core_select(_POINT_AND_CATEGORY_LOOKUP, {"code": code, "category": category}).first()
    else:
        row = core_select(_POINT_LOOKUP, {"code": code}).first()
    if row is None:
        return None
    facts = row._asdict()
    found = facts.pop("category_code", None)
    facts["category_row"] = {"code": found, "name": facts.pop("category_name"),
                             "case_type": facts.pop("category_case_type")} if found is not None else None
    facts["origins"] = [o.strip() for o in (row.allowed_origins or "").splitlines() if o.strip()]
    facts["label"] = place_label(row.type, row.hall, row.number, row.name)
    return facts


def _category_row(code: str) -> dict | None:
    row = core_select(_CATEGORY_LOOKUP, {"code": code}).first()
    if row is None and ensure_seeded():
        row = core_select(_CATEGORY_LOOKUP, {"code": code}).first()
    return row._asdict() if row is not None else None


def _reason_names(codes: list[str], polarity: str) -> dict:
    """The active reasons of this polarity among `codes`: {code: name}."""
    if not codes:
        return {}
    statement = select(RatingReason.code, RatingReason.name).where(
        RatingReason.code.in_(codes[:MAX_REASONS + 1]), RatingReason.polarity == polarity, RatingReason.active)
    rows = core_select(statement).all()
    if not rows and ensure_seeded():
        rows = core_select(statement).all()
    return {row.code: row.name for row in rows}
