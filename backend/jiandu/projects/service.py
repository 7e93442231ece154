"""The rules of the projects capability: plain functions, no request in here.

Registry (admins and inspectors), approval items, payments, milestones, settings, invitations of
enterprise accounts, blockers (堵点/痛点) that become cases, the inspectors' board and a project's
timeline. Every lookup goes through `jiandu.org.scope`: outside a user's scope a project, and
everything hanging from it, does not exist (404).
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, or_, select, update

from jiandu import audit
from jiandu.errors import ApiError, Conflict, Invalid, NotFound
from jiandu.extensions import db
from jiandu.org.categories import lead_rerouting_error
from jiandu.org.models import Jurisdiction, Point, Project, Unit, User
from jiandu.org.scope import get_visible, is_visible, visible
from jiandu.projects import credit_code, rules
from jiandu.projects.models import (
    PAYER_KINDS, STAGE_LABELS, STAGES, ApprovalItem, Blocker, BlockerCategory, BlockerPhoto, Milestone, Payment,
    ProjectInvitation, ProjectSetting, project_departments,
)
from jiandu.security import hash_password, token_digest
from jiandu.timeutil import iso_utc, utcnow
from jiandu.workdays import Calendar

STAFF = ("admin", "inspector")
OUT_OF_SCOPE = "不存在或不在您的管辖范围内"
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,32}$")
INVITE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
INVITE_LENGTH = 16  # 31**16 ≈ 2**79
CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,80}$")
MAX_AMOUNT_FEN = 10**14  # one trillion yuan
MIN_PASSWORD = 10
MIN_BLOCKER_TEXT, MAX_BLOCKER_TEXT = 5, 1000
MAX_LIMIT_DAYS = 365

# The categories a new installation starts with (code, name, name_en, case_type); admins edit them.
BLOCKER_CATEGORIES = (
    ("approval_timeout", "审批超时", "Approval overdue", "service_request"),
    ("approval_burden", "审批过繁", "Too many approval steps", "service_request"),
    ("irregular_enforcement", "监管执法不规范", "Irregular inspection or enforcement", "work_style"),
    ("interference", "违规干预", "Improper interference", "lead"),
    ("extortion", "吃拿卡要", "Petty extortion / obstruction", "lead"),
    ("arrears", "拖欠账款", "Payments in arrears", "service_request"),
    ("poor_coordination", "协调服务不到位", "Poor coordination and service", "work_style"),
    ("other", "其他", "Other", "service_request"),
)


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise ApiError(403, "forbidden", "您的角色无权执行此操作")


def _check_version(record, version) -> None:
    if version is not None and version != record.version:
        raise Conflict("该记录已被他人修改，请刷新后再试", extra={"current_version": record.version})


def _bump(record) -> None:
    record.version = (record.version or 0) + 1


# --- small parsers: every refusal says what to fix ---------------------------------------------

def _str(data: dict, name: str, errors: dict, *, required=False, limit=128, label="此项") -> str | None:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = f"请填写{label}"
        return None
    if not isinstance(value, (str, int)):
        errors[name] = f"{label}应为文字"
        return None
    value = str(value).strip()
    if len(value) > limit:
        errors[name] = f"{label}不能超过 {limit} 个字"
        return None
    return value


def _int(data: dict, name: str, errors: dict, *, required=False, low=None, high=None, label="此项") -> int | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            errors[name] = f"请填写{label}"
        return None
    if isinstance(value, bool):
        errors[name] = f"{label}应为整数"
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors[name] = f"{label}应为整数"
        return None
    if (low is not None and number < low) or (high is not None and number > high):
        errors[name] = f"{label}应在 {low} 到 {high} 之间"
        return None
    return number


def parse_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text)
    except ValueError:
        match = re.match(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$", text)
        if match:
            try:
                return date(*map(int, match.groups()))
            except ValueError:
                return None
        return None


def _date(data: dict, name: str, errors: dict, *, required=False, label="日期", not_future=False,
          today: date | None = None) -> date | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            errors[name] = f"请填写{label}"
        return None
    parsed = parse_date(value)
    if parsed is None:
        errors[name] = f"{label}格式应为 YYYY-MM-DD"
        return None
    if not_future and parsed > (today or rules.local_today()):
        errors[name] = f"{label}不能晚于今天"
        return None
    return parsed


def parse_amount_fen(value) -> int:
    """Yuan as a string or number, at most two decimals, above zero → fen. ValueError(reason)."""
    if value is None or value == "" or isinstance(value, bool):
        raise ValueError("请填写金额")
    text = str(value).strip().replace(",", "").replace("，", "").removesuffix("元")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError("金额应为数字（元，最多两位小数）") from None
    if not amount.is_finite():
        raise ValueError("金额应为数字（元，最多两位小数）")
    if amount <= 0:
        raise ValueError("金额必须大于 0")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError("金额最多两位小数（精确到分）")
    if fen > MAX_AMOUNT_FEN:
        raise ValueError("金额过大，请核对（单位为元）")
    return int(fen)


def fen_to_yuan(fen: int | None) -> str | None:
    return None if fen is None else f"{Decimal(fen) / 100:.2f}"


def _phone(data: dict, name: str, errors: dict, label: str) -> str | None:
    value = _str(data, name, errors, limit=32, label=label)
    if value is None:
        return None
    compact = re.sub(r"[\s()]", "", value)
    if not PHONE_RE.match(compact):
        errors[name] = f"{label}应为 11 位手机号或带区号的固定电话"
        return None
    return compact


# --- settings ------------------------------------------------------------------------------------

def settings() -> dict:
    stored = dict(db.session.execute(select(ProjectSetting.key, ProjectSetting.value)).all())
    return {**rules.DEFAULT_SETTINGS, **{k: v for k, v in stored.items() if k in rules.DEFAULT_SETTINGS}}


def set_settings(actor: User, data: dict) -> dict:
    require_role(actor, "admin")
    errors, values = {}, {}
    for key, value in (data or {}).items():
        if key not in rules.DEFAULT_SETTINGS:
            errors[key] = "未知的设置项"
            continue
        low, high = rules.SETTING_RANGES[key]
        number = _int(data, key, errors, required=True, low=low, high=high, label=rules.SETTING_LABELS[key])
        if number is not None:
            values[key] = number
    merged = {**settings(), **values}
    if merged["payment_government_days"] > merged["payment_max_days"]:
        errors["payment_government_days"] = "机关事业单位付款期限不能长于合同约定上限"
    if errors:
        raise Invalid(errors)
    for key, value in values.items():
        row = db.session.scalar(select(ProjectSetting).where(ProjectSetting.key == key))
        if row is None:
            row = ProjectSetting(key=key, value=value)
            db.session.add(row)
        row.value, row.updated_by = value, actor.id
    audit.record(actor.id, "project_settings", None, **values)
    return merged


# --- the registry ----------------------------------------------------------------------------------

PROJECT_TEXT = {"name": ("项目名称", 128, True), "project_code": ("项目代码", 64, True),
                "owner_enterprise": ("业主单位", 128, True), "construction_enterprise": ("施工单位", 128, False),
                "location": ("项目地址", 255, False), "liaison_name": ("包联干部", 64, False),
                "contact_name": ("企业联系人", 64, False), "description": ("项目简介", 2000, False)}


def get_project(user: User, project_id: int) -> Project:
    return get_visible(user, Project, project_id, "项目")


def departments_of(project_id: int) -> list[Unit]:
    return list(db.session.scalars(
        select(Unit).join(project_departments, project_departments.c.department_id == Unit.id)
        .where(project_departments.c.project_id == project_id).order_by(Unit.id)))


def point_of(project_id: int) -> Point | None:
    return db.session.scalar(select(Point).where(Point.project_id == project_id, Point.type == "project")
                             .order_by(Point.id).limit(1))


def _resolve_departments(actor: User, ids, errors: dict, field="department_ids") -> list[Unit] | None:
    if ids is None:
        return None
    if isinstance(ids, str):
        ids = [p for p in re.split(r"[,，\s]+", ids) if p]
    if not isinstance(ids, list):
        errors[field] = "应为部门编号列表"
        return None
    try:
        wanted = {int(i) for i in ids}
    except (TypeError, ValueError):
        errors[field] = "应为部门编号列表"
        return None
    found = list(db.session.scalars(visible(actor, Unit).where(Unit.id.in_(wanted), Unit.kind == "department")))
    missing = wanted - {u.id for u in found}
    if missing:
        errors[field] = f"部门（编号 {'、'.join(map(str, sorted(missing)))}）{OUT_OF_SCOPE}或不是职能部门"
        return None
    return sorted(found, key=lambda u: u.id)


def _project_fields(actor: User, data: dict, project: Project | None) -> tuple[dict, list[Unit] | None]:
    errors: dict = {}
    clean: dict = {}
    for name, (label, limit, required) in PROJECT_TEXT.items():
        if name in data or project is None:
            clean[name] = _str(data, name, errors, required=required, limit=limit, label=label)
    for name, label, required in (("owner_credit_code", "业主单位统一社会信用代码", True),
                                  ("construction_credit_code", "施工单位统一社会信用代码", False)):
        if name in data or project is None:
            value = credit_code.normalise(data.get(name))
            if not value:
                if required:
                    errors[name] = f"请填写{label}"
                clean[name] = None
            else:
                reason = credit_code.problem(value)
                if reason:
                    errors[name] = f"{label}：{reason}"
                clean[name] = value
    for name, label in (("liaison_phone", "包联干部电话"), ("contact_phone", "企业联系人电话")):
        if name in data:
            clean[name] = _phone(data, name, errors, label)
    if "stage" in data or project is None:
        stage = data.get("stage") or "land_planning"
        stage = {v: k for k, v in STAGE_LABELS.items()}.get(stage, stage)
        if stage not in STAGES:
            errors["stage"] = "阶段须为：" + " → ".join(STAGE_LABELS.values())
        clean["stage"] = stage
    if "investment_wan" in data:
        clean["investment_wan"] = _int(data, "investment_wan", errors, low=0, high=10**9, label="总投资（万元）")
    if "jurisdiction_id" in data or project is None:
        jid = _int(data, "jurisdiction_id", errors, required=True, label="所属辖区")
        if jid is not None and not is_visible(actor, Jurisdiction, jid):
            errors["jurisdiction_id"] = f"辖区{OUT_OF_SCOPE}"
        clean["jurisdiction_id"] = jid
    if clean.get("project_code"):
        clash = select(Project.id).where(Project.project_code == clean["project_code"])
        if project is not None:
            clash = clash.where(Project.id != project.id)
        if db.session.scalar(clash) is not None:
            errors["project_code"] = "该项目代码已登记"
    departments = _resolve_departments(actor, data.get("department_ids"), errors) if "department_ids" in data \
        else None
    if "active" in data:
        if not isinstance(data["active"], bool):
            errors["active"] = "应为是或否"
        clean["active"] = data["active"]
    if errors:
        raise Invalid(errors)
    return clean, departments


def _set_departments(project: Project, units: list[Unit]) -> None:
    db.session.execute(project_departments.delete().where(project_departments.c.project_id == project.id))
    if units:
        db.session.execute(project_departments.insert(),
                           [{"project_id": project.id, "department_id": u.id} for u in units])


def create_project(actor: User, data: dict) -> Project:
    require_role(actor, *STAFF)
    clean, departments = _project_fields(actor, data, None)
    project = Project(**clean)
    db.session.add(project)
    db.session.flush()
    _set_departments(project, departments or [])
    from jiandu.org.service import unique_code

    # 专属码: the project's own point, printable as the project-a3 poster.
    db.session.add(Point(code=unique_code(), type="project", name=project.name, project_id=project.id,
                         jurisdiction_id=project.jurisdiction_id, address=project.location))
    db.session.flush()
    audit.record(actor.id, "project_create", project, code=project.project_code)
    return project


def update_project(actor: User, project_id: int, data: dict) -> Project:
    project = get_project(actor, project_id)
    require_role(actor, *STAFF)
    _check_version(project, data.get("version"))
    clean, departments = _project_fields(actor, data, project)
    moved = "jurisdiction_id" in clean and clean["jurisdiction_id"] != project.jurisdiction_id
    for key, value in clean.items():
        setattr(project, key, value)
    if departments is not None:
        _set_departments(project, departments)
    if moved:  # children carry the project's jurisdiction for the scope rule
        for model in (ApprovalItem, Payment, Milestone, Blocker, ProjectInvitation):
            db.session.execute(update(model).where(model.project_id == project.id)
                               .values(jurisdiction_id=project.jurisdiction_id))
        db.session.execute(update(Point).where(Point.project_id == project.id, Point.type == "project")
                           .values(jurisdiction_id=project.jurisdiction_id))
    point = point_of(project.id)
    if point is not None and "name" in clean:
        point.name = project.name
    _bump(project)
    audit.record(actor.id, "project_update", project,
                 **{k: v for k, v in data.items() if k not in ("version", "description")})
    return project


def project_view(project: Project, user: User | None = None) -> dict:
    point = point_of(project.id)
    staff = user is None or user.role in STAFF
    view = {
        "id": project.id, "name": project.name, "project_code": project.project_code,
        "owner_enterprise": project.owner_enterprise, "owner_credit_code": project.owner_credit_code,
        "construction_enterprise": project.construction_enterprise,
        "construction_credit_code": project.construction_credit_code,
        "jurisdiction_id": project.jurisdiction_id,
        "jurisdiction": project.jurisdiction.name if project.jurisdiction else None,
        "location": project.location, "stage": project.stage, "stage_label": STAGE_LABELS.get(project.stage),
        "stages": [{"key": k, "label": v} for k, v in STAGE_LABELS.items()],
        "investment_wan": project.investment_wan, "description": project.description,
        "liaison_name": project.liaison_name, "liaison_phone": project.liaison_phone,
        "contact_name": project.contact_name, "contact_phone": project.contact_phone if staff else None,
        "departments": [{"id": u.id, "name": u.name} for u in departments_of(project.id)],
        "point": {"id": point.id, "code": point.code, "url": f"/q/{point.code}"} if point else None,
        "active": project.active, "version": project.version,
    }
    return view


# --- approval items ------------------------------------------------------------------------------

def _project_department(project: Project, department_id, errors: dict) -> int | None:
    if department_id is None or department_id == "":
        errors["department_id"] = "请选择审批部门"
        return None
    try:
        department_id = int(department_id)
    except (TypeError, ValueError):
        errors["department_id"] = "应为部门编号"
        return None
    allowed = {u.id for u in departments_of(project.id)}
    if department_id not in allowed:
        known = db.session.scalar(select(Unit.id).where(Unit.id == department_id, Unit.kind == "department"))
        errors["department_id"] = ("该部门不是本项目涉及的部门，请先在项目登记中添加" if known
                                   else "未知的部门")
        return None
    return department_id


def _approval_fields(project: Project, data: dict, item: ApprovalItem | None, today: date) -> dict:
    errors: dict = {}
    clean: dict = {}
    if item is None or "name" in data:
        clean["name"] = _str(data, "name", errors, required=True, label="审批事项名称")
    if item is None or "department_id" in data:
        clean["department_id"] = _project_department(project, data.get("department_id"), errors)
    for name, label in (("statutory_days", "法定时限（工作日）"), ("promised_days", "承诺时限（工作日）")):
        if item is None or name in data:
            clean[name] = _int(data, name, errors, required=True, low=1, high=MAX_LIMIT_DAYS, label=label)
    if item is None or "submitted_on" in data:
        clean["submitted_on"] = _date(data, "submitted_on", errors, required=True, label="申报日期",
                                      not_future=True, today=today)
    if "done_on" in data:
        clean["done_on"] = _date(data, "done_on", errors, label="办结日期", not_future=True, today=today)
    if "note" in data:
        clean["note"] = _str(data, "note", errors, limit=2000, label="备注")
    merged = {k: getattr(item, k) if item is not None else None
              for k in ("statutory_days", "promised_days", "submitted_on", "done_on")}
    merged.update({k: v for k, v in clean.items() if k in merged})
    if merged["statutory_days"] and merged["promised_days"] and merged["promised_days"] > merged["statutory_days"]:
        errors.setdefault("promised_days", "承诺时限不能长于法定时限")
    if merged["submitted_on"] and merged["done_on"] and merged["done_on"] < merged["submitted_on"]:
        errors.setdefault("done_on", "办结日期不能早于申报日期")
    if errors:
        raise Invalid(errors)
    return clean


def _apply_dates(item: ApprovalItem, calendar: Calendar, percent: int) -> None:
    d = rules.approval_dates(item.submitted_on, item.promised_days, calendar, percent)
    item.yellow_on, item.due_on, item.provisional = d.yellow_on, d.due_on, d.provisional


def create_approval(actor: User, project_id: int, data: dict) -> ApprovalItem:
    project = get_project(actor, project_id)
    require_role(actor, *STAFF)
    clean = _approval_fields(project, data, None, rules.local_today())
    item = ApprovalItem(project_id=project.id, jurisdiction_id=project.jurisdiction_id, created_by=actor.id,
                        warning="none", **clean)
    _apply_dates(item, Calendar.load(), settings()["approval_yellow_percent"])
    db.session.add(item)
    db.session.flush()
    audit.record(actor.id, "approval_create", item, project_id=project.id)
    return item


def get_approval(user: User, item_id: int) -> ApprovalItem:
    return get_visible(user, ApprovalItem, item_id, "审批事项")


def update_approval(actor: User, item_id: int, data: dict) -> ApprovalItem:
    item = get_approval(actor, item_id)
    require_role(actor, *STAFF)
    _check_version(item, data.get("version"))
    project = db.session.get(Project, item.project_id)
    clean = _approval_fields(project, data, item, rules.local_today())
    for key, value in clean.items():
        setattr(item, key, value)
    if {"submitted_on", "promised_days"} & set(clean):
        _apply_dates(item, Calendar.load(), settings()["approval_yellow_percent"])
    _bump(item)
    audit.record(actor.id, "approval_update", item, **{k: v for k, v in data.items() if k != "version"})
    return item


def approval_view(item: ApprovalItem, today: date, calendar: Calendar, percent: int) -> dict:
    elapsed = rules.elapsed_workdays(item.submitted_on, item.done_on or today, calendar)
    colour = rules.colour_on(item.yellow_on, item.due_on, item.done_on, today)
    return {
        "id": item.id, "project_id": item.project_id, "name": item.name, "department_id": item.department_id,
        "department": item.department.name if item.department else None,
        "submitted_on": item.submitted_on.isoformat(), "statutory_days": item.statutory_days,
        "promised_days": item.promised_days, "done_on": item.done_on.isoformat() if item.done_on else None,
        "due_on": item.due_on.isoformat(), "yellow_on": item.yellow_on.isoformat(),
        "elapsed_workdays": elapsed, "colour": colour, "done": item.done_on is not None,
        "over_statutory": elapsed > item.statutory_days, "provisional": item.provisional,
        "lead_case_id": item.lead_case_id, "note": item.note, "version": item.version,
    }


# --- payments ----------------------------------------------------------------------------------------

def _payment_fields(actor: User, data: dict, payment: Payment | None, today: date) -> dict:
    errors: dict = {}
    clean: dict = {}
    if payment is None or "contract_name" in data:
        clean["contract_name"] = _str(data, "contract_name", errors, required=True, label="合同名称")
    if "contract_no" in data:
        clean["contract_no"] = _str(data, "contract_no", errors, limit=64, label="合同编号")
    if payment is None or "payer" in data:
        clean["payer"] = _str(data, "payer", errors, required=True, label="付款单位")
    if payment is None or "payer_kind" in data:
        kind = data.get("payer_kind") or "government"
        if kind not in PAYER_KINDS:
            errors["payer_kind"] = "付款单位类型须为机关事业单位（government）、大型企业（large_enterprise）或其他（other）"
        clean["payer_kind"] = kind
    if data.get("payer_unit_id") not in (None, ""):
        uid = _int(data, "payer_unit_id", errors, label="付款单位")
        if uid is not None and db.session.scalar(visible(actor, select(Unit.id)).where(Unit.id == uid)) is None:
            errors["payer_unit_id"] = f"付款单位{OUT_OF_SCOPE}"
        clean["payer_unit_id"] = uid
    if payment is None or "amount" in data:
        try:
            clean["amount_fen"] = parse_amount_fen(data.get("amount"))
        except ValueError as reason:
            errors["amount"] = str(reason)
    if payment is None or "delivered_on" in data:
        clean["delivered_on"] = _date(data, "delivered_on", errors, required=True, label="交付（验收）日期",
                                      not_future=True, today=today)
    if "contract_due_on" in data:
        clean["contract_due_on"] = _date(data, "contract_due_on", errors, label="合同约定付款日期")
    if "paid_on" in data:
        clean["paid_on"] = _date(data, "paid_on", errors, label="付款日期", not_future=True, today=today)
    if "note" in data:
        clean["note"] = _str(data, "note", errors, limit=2000, label="备注")
    merged = {k: getattr(payment, k) if payment is not None else None
              for k in ("delivered_on", "contract_due_on", "paid_on")}
    merged.update({k: v for k, v in clean.items() if k in merged})
    if merged["delivered_on"] and merged["contract_due_on"] and merged["contract_due_on"] < merged["delivered_on"]:
        errors.setdefault("contract_due_on", "合同约定付款日期不能早于交付日期")
    if merged["delivered_on"] and merged["paid_on"] and merged["paid_on"] < merged["delivered_on"]:
        errors.setdefault("paid_on", "付款日期不能早于交付日期")
    if errors:
        raise Invalid(errors)
    return clean


def _apply_payment_due(payment: Payment, s: dict) -> None:
    due = rules.payment_due(payment.delivered_on, payment.payer_kind, payment.contract_due_on, s)
    payment.due_on, payment.due_rule = due.due_on, due.rule


def create_payment(actor: User, project_id: int, data: dict) -> Payment:
    project = get_project(actor, project_id)
    require_role(actor, *STAFF)
    clean = _payment_fields(actor, data, None, rules.local_today())
    payment = Payment(project_id=project.id, jurisdiction_id=project.jurisdiction_id, created_by=actor.id,
                      warning="none", **clean)
    _apply_payment_due(payment, settings())
    db.session.add(payment)
    db.session.flush()
    audit.record(actor.id, "payment_create", payment, project_id=project.id)
    return payment


def get_payment(user: User, payment_id: int) -> Payment:
    return get_visible(user, Payment, payment_id, "付款记录")


def update_payment(actor: User, payment_id: int, data: dict) -> Payment:
    payment = get_payment(actor, payment_id)
    require_role(actor, *STAFF)
    _check_version(payment, data.get("version"))
    clean = _payment_fields(actor, data, payment, rules.local_today())
    for key, value in clean.items():
        setattr(payment, key, value)
    _apply_payment_due(payment, settings())
    _bump(payment)
    audit.record(actor.id, "payment_update", payment, **{k: v for k, v in data.items() if k != "version"})
    return payment


def payment_view(payment: Payment, today: date, warn_days: int) -> dict:
    return {
        "id": payment.id, "project_id": payment.project_id, "contract_name": payment.contract_name,
        "contract_no": payment.contract_no, "payer": payment.payer, "payer_kind": payment.payer_kind,
        "amount": fen_to_yuan(payment.amount_fen), "delivered_on": payment.delivered_on.isoformat(),
        "contract_due_on": payment.contract_due_on.isoformat() if payment.contract_due_on else None,
        "due_on": payment.due_on.isoformat(), "due_rule": payment.due_rule,
        "paid_on": payment.paid_on.isoformat() if payment.paid_on else None,
        "colour": rules.payment_colour(payment.due_on, payment.paid_on, today, warn_days),
        "days_overdue": rules.days_overdue(payment.due_on, payment.paid_on, today),
        "lead_case_id": payment.lead_case_id, "note": payment.note, "version": payment.version,
    }


# --- milestones --------------------------------------------------------------------------------------

def _milestone_fields(data: dict, milestone: Milestone | None, today: date) -> dict:
    errors: dict = {}
    clean: dict = {}
    if milestone is None or "name" in data:
        clean["name"] = _str(data, "name", errors, required=True, label="节点名称")
    if "stage" in data and data["stage"] not in (None, ""):
        if data["stage"] not in STAGES:
            errors["stage"] = "阶段须为：" + " → ".join(STAGE_LABELS.values())
        clean["stage"] = data["stage"]
    if milestone is None or "planned_on" in data:
        clean["planned_on"] = _date(data, "planned_on", errors, required=milestone is None, label="计划日期")
    if "done_on" in data:
        clean["done_on"] = _date(data, "done_on", errors, label="完成日期", not_future=True, today=today)
    if "note" in data:
        clean["note"] = _str(data, "note", errors, limit=2000, label="备注")
    if errors:
        raise Invalid(errors)
    return clean


def create_milestone(actor: User, project_id: int, data: dict) -> Milestone:
    project = get_project(actor, project_id)
    require_role(actor, *STAFF)
    milestone = Milestone(project_id=project.id, jurisdiction_id=project.jurisdiction_id,
                          **_milestone_fields(data, None, rules.local_today()))
    db.session.add(milestone)
    db.session.flush()
    return milestone


def update_milestone(actor: User, milestone_id: int, data: dict) -> Milestone:
    milestone = get_visible(actor, Milestone, milestone_id, "节点")
    require_role(actor, *STAFF)
    _check_version(milestone, data.get("version"))
    for key, value in _milestone_fields(data, milestone, rules.local_today()).items():
        setattr(milestone, key, value)
    _bump(milestone)
    return milestone


def milestone_view(m: Milestone, today: date) -> dict:
    late = m.planned_on is not None and (m.done_on or today) > m.planned_on
    return {"id": m.id, "project_id": m.project_id, "name": m.name, "stage": m.stage,
            "stage_label": STAGE_LABELS.get(m.stage), "planned_on": m.planned_on.isoformat() if m.planned_on else None,
            "done_on": m.done_on.isoformat() if m.done_on else None, "late": late, "note": m.note,
            "version": m.version}


# --- invitations -------------------------------------------------------------------------------------

def _new_invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))


def normalise_invite(code: str) -> str:
    return re.sub(r"[\s\-_]", "", (code or "").strip().upper())[:40]


def _invitation(project: Project, kind: str, actor: User, display_name: str | None) -> tuple[ProjectInvitation, str]:
    code = _new_invite_code()
    hours = settings()["invitation_hours"]
    invitation = ProjectInvitation(project_id=project.id, jurisdiction_id=project.jurisdiction_id, kind=kind,
                                   code_digest=token_digest(code), display_name=display_name,
                                   created_by=actor.id, created_at=utcnow(),
                                   expires_at=utcnow() + timedelta(hours=hours))
    db.session.add(invitation)
    db.session.flush()
    audit.record(actor.id, f"invite_{kind}", invitation, project_id=project.id)
    return invitation, code


def _is_contact(user: User) -> bool:
    """The enterprise's contact: the account made from a contact invitation of its project."""
    return db.session.scalar(select(ProjectInvitation.id).where(
        ProjectInvitation.used_by == user.id, ProjectInvitation.kind == "contact",
        ProjectInvitation.project_id == user.project_id)) is not None


def colleague_invitations_used(user: User) -> int:
    """Colleague invitations that count against the limit: used ones and pending unexpired ones."""
    now = utcnow()
    return db.session.scalar(select(func.count()).select_from(ProjectInvitation).where(
        ProjectInvitation.created_by == user.id, ProjectInvitation.kind == "colleague",
        ProjectInvitation.revoked_at.is_(None),
        or_(ProjectInvitation.used_at.is_not(None), ProjectInvitation.expires_at > now))) or 0


def invite(actor: User, project_id: int, data: dict) -> tuple[ProjectInvitation, str]:
    """Staff invite the project's contact; the contact invites colleagues (up to the limit)."""
    project = get_project(actor, project_id)
    errors: dict = {}
    name = _str(data or {}, "display_name", errors, limit=64, label="被邀请人姓名")
    if errors:
        raise Invalid(errors)
    if actor.role in STAFF:
        return _invitation(project, "contact", actor, name)
    if actor.role != "enterprise":
        raise ApiError(403, "forbidden", "您的角色无权邀请企业用户")
    if not _is_contact(actor):
        raise ApiError(403, "forbidden", "只有企业联系人可以邀请同事")
    limit = settings()["colleague_limit"]
    if colleague_invitations_used(actor) >= limit:
        raise Conflict(f"每位企业联系人最多邀请 {limit} 位同事", code="invitation_limit")
    return _invitation(project, "colleague", actor, name)


def list_invitations(actor: User, project_id: int) -> list[ProjectInvitation]:
    project = get_project(actor, project_id)
    statement = select(ProjectInvitation).where(ProjectInvitation.project_id == project.id)
    if actor.role not in STAFF:
        statement = statement.where(ProjectInvitation.created_by == actor.id)
    return list(db.session.scalars(statement.order_by(ProjectInvitation.id.desc())))


def revoke_invitation(actor: User, invitation_id: int) -> ProjectInvitation:
    invitation = get_visible(actor, ProjectInvitation, invitation_id, "邀请")
    if actor.role not in STAFF and invitation.created_by != actor.id:
        raise NotFound("邀请")
    if invitation.used_at is None and invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        audit.record(actor.id, "invite_revoke", invitation)
    return invitation


def invitation_state(invitation: ProjectInvitation, now: datetime | None = None) -> str:
    now = now or utcnow()
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.used_at is not None:
        return "used"
    if invitation.expires_at <= now:
        return "expired"
    return "pending"


def invitation_view(invitation: ProjectInvitation) -> dict:
    return {"id": invitation.id, "project_id": invitation.project_id, "kind": invitation.kind,
            "display_name": invitation.display_name, "created_at": iso_utc(invitation.created_at),
            "expires_at": iso_utc(invitation.expires_at), "used_at": iso_utc(invitation.used_at),
            "state": invitation_state(invitation)}


def _usable_invitation(code: str) -> ProjectInvitation:
    plain = normalise_invite(code)
    invitation = None
    if len(plain) == INVITE_LENGTH and all(c in INVITE_ALPHABET for c in plain):
        invitation = db.session.scalar(select(ProjectInvitation).where(
            ProjectInvitation.code_digest == token_digest(plain)))
    if invitation is None:
        raise ApiError(404, "invitation_unknown", "邀请码无效，请核对后重试")
    state = invitation_state(invitation)
    if state == "used":
        raise ApiError(410, "invitation_used", "该邀请码已被使用，每个邀请码只能使用一次")
    if state == "expired":
        raise ApiError(410, "invitation_expired", "该邀请码已过期，请联系邀请人重新发送")
    if state == "revoked":
        raise ApiError(410, "invitation_revoked", "该邀请码已被撤销")
    return invitation


def peek_invitation(code: str) -> dict:
    invitation = _usable_invitation(code)
    project = db.session.get(Project, invitation.project_id)
    return {"project_name": project.name, "kind": invitation.kind, "display_name": invitation.display_name,
            "expires_at": iso_utc(invitation.expires_at)}


def redeem_invitation(code: str, data: dict) -> User:
    """The invited person sets a username and password: an enterprise account of that project, once."""
    invitation = _usable_invitation(code)
    errors: dict = {}
    username = _str(data, "username", errors, required=True, limit=32, label="用户名")
    if username and not USERNAME_RE.match(username):
        errors["username"] = "用户名为 3–32 位字母、数字、点、横线或下划线"
    elif username and db.session.scalar(select(User.id).where(User.username == username)) is not None:
        errors["username"] = "该用户名已被使用"
    display_name = _str(data, "display_name", errors, limit=64, label="姓名") or invitation.display_name
    if not display_name:
        errors["display_name"] = "请填写姓名"
    password = data.get("password") or ""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        errors["password"] = f"密码至少 {MIN_PASSWORD} 位"
    if errors:
        raise Invalid(errors)
    now = utcnow()
    # One winner when the same code is sent twice at once: the UPDATE claims it.
    claimed = db.session.execute(update(ProjectInvitation).where(
        ProjectInvitation.id == invitation.id, ProjectInvitation.used_at.is_(None),
        ProjectInvitation.revoked_at.is_(None), ProjectInvitation.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise ApiError(410, "invitation_used", "该邀请码已被使用，每个邀请码只能使用一次")
    project = db.session.get(Project, invitation.project_id)
    user = User(username=username, display_name=display_name, role="enterprise",
                password_hash=hash_password(password), jurisdiction_id=project.jurisdiction_id,
                project_id=project.id)
    db.session.add(user)
    db.session.flush()
    db.session.execute(update(ProjectInvitation).where(ProjectInvitation.id == invitation.id)
                       .values(used_by=user.id).execution_options(synchronize_session=False))
    if invitation.kind == "contact" and not project.contact_name:
        project.contact_name = display_name
    audit.record(user.id, "invite_redeem", invitation, project_id=project.id, kind=invitation.kind)
    return user


# --- blocker categories --------------------------------------------------------------------------------

def ensure_categories() -> None:
    have = set(db.session.scalars(select(BlockerCategory.code)))
    for sort, (code, name, name_en, case_type) in enumerate(BLOCKER_CATEGORIES):
        if code not in have:
            db.session.add(BlockerCategory(code=code, name=name, name_en=name_en, case_type=case_type,
                                           sort=(sort + 1) * 10, active=True))
    db.session.flush()


def active_categories() -> list[BlockerCategory]:
    if db.session.scalar(select(BlockerCategory.id).limit(1)) is None:
        ensure_categories()
    return list(db.session.scalars(select(BlockerCategory).where(BlockerCategory.active)
                                   .order_by(BlockerCategory.sort, BlockerCategory.id)))


def upsert_category(actor: User, code: str, data: dict) -> BlockerCategory:
    require_role(actor, "admin")
    errors: dict = {}
    if not re.match(r"^[a-z0-9_]{2,32}$", code or ""):
        raise Invalid({"code": "代码为 2–32 位小写字母、数字或下划线"})
    row = db.session.scalar(select(BlockerCategory).where(BlockerCategory.code == code))
    name = _str(data, "name", errors, required=row is None, limit=32, label="名称")
    name_en = _str(data, "name_en", errors, limit=64, label="英文名称")
    case_type = data.get("case_type")
    if case_type is not None and case_type not in ("service_request", "work_style", "lead"):
        errors["case_type"] = "案件类型须为服务诉求、作风效能或问题线索"
    elif row is not None and lead_rerouting_error(row.case_type, case_type):
        errors["case_type"] = lead_rerouting_error(row.case_type, case_type)
    sort = _int(data, "sort", errors, low=0, high=10000, label="排序")
    if "active" in data and not isinstance(data["active"], bool):
        errors["active"] = "应为是或否"
    if errors:
        raise Invalid(errors)
    if row is None:
        row = BlockerCategory(code=code, name=name, case_type=case_type or "service_request", sort=sort or 100)
        db.session.add(row)
    for key, value in (("name", name), ("name_en", name_en), ("case_type", case_type), ("sort", sort)):
        if value is not None:
            setattr(row, key, value)
    if "active" in data:
        row.active = data["active"]
    audit.record(actor.id, "blocker_category_set", row, code=code)
    return row


# --- blockers ------------------------------------------------------------------------------------------

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
        from jiandu.security import normalise_code

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
    from jiandu.files import photos as photo_lib

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
    from jiandu.cases.service import open_case
    from jiandu.notify.service import emit

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
    from jiandu.files import photos as photo_lib

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
    from jiandu.fieldwork.service import require_photos

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
    from flask import g

    if "blocker_photo_keys" not in g:
        g.blocker_photo_keys = []
    return g.blocker_photo_keys


def discard_saved_photos() -> None:
    """After a rollback: remove the photo files saved in this request."""
    from flask import g

    from jiandu.files import photos as photo_lib

    keys = g.pop("blocker_photo_keys", [])
    store = photo_lib.storage()
    for key in keys:
        store.delete(key)


def get_blocker(user: User, blocker_id: int) -> Blocker:
    blocker = get_visible(user, Blocker, blocker_id, "堵点")
    return blocker


def blocker_events(blocker: Blocker, staff: bool) -> list[dict]:
    """The case's moves: staff see every move, the enterprise the public notes only."""
    from jiandu.cases.models import CaseEvent
    from jiandu.cases.service import ACTION_LABELS, STATE_LABELS

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
    from jiandu.cases.service import STATE_LABELS

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


def category_labels() -> dict:
    return dict(db.session.execute(select(BlockerCategory.code, BlockerCategory.name)).all())


def blocker_feedback(user: User, blocker_id: int, data: dict) -> Blocker:
    """The enterprise answers the return visit (回访) of its blocker's case."""
    from jiandu.cases.service import reporter_return_visit

    blocker = get_blocker(user, blocker_id)
    if blocker.reporter_id != user.id:
        raise ApiError(403, "forbidden", "只有反映人可以回复回访")
    case = blocker.case
    if case is None or case.state != "verified":
        raise ApiError(409, "feedback_not_open", "核查承办单位的答复后才能提交回访意见")
    errors = {}
    resolved = data.get("resolved")
    if not isinstance(resolved, bool):
        errors["resolved"] = "请选择问题是否已解决"
    satisfaction = data.get("satisfaction")
    if isinstance(satisfaction, bool) or satisfaction not in (1, 2, 3, 4, 5):
        errors["satisfaction"] = "请选择满意程度（5 = 非常满意 … 1 = 非常不满意）"
    comment = str(data.get("comment") or "").strip()
    if len(comment) > 300:
        errors["comment"] = "不能超过 300 字"
    if errors:
        raise Invalid(errors)
    reporter_return_visit(case, resolved, satisfaction, comment or None)
    return blocker


def blocker_photo(user: User, blocker_id: int, photo_id: int) -> tuple[BlockerPhoto, bytes]:
    from jiandu.files import photos as photo_lib

    blocker = get_blocker(user, blocker_id)
    photo = next((p for p in blocker.photos if p.id == photo_id), None)
    if photo is None:
        raise NotFound("照片")
    return photo, photo_lib.storage().load(photo.storage_key)


def list_blockers(user: User, project_id: int | None = None, open_only: bool = False):
    from jiandu.cases.models import OPEN_STATES, Case

    statement = visible(user, Blocker)
    if project_id is not None:
        statement = statement.where(Blocker.project_id == project_id)
    if open_only:
        statement = statement.join(Case, Case.id == Blocker.case_id).where(Case.state.in_(OPEN_STATES))
    return statement.order_by(Blocker.id.desc())


# --- the board and the timeline ---------------------------------------------------------------------------

def board(user: User, *, jurisdiction_id: int | None = None, problems_only: bool = False, q: str | None = None,
          page: int = 1, per_page: int = 50) -> dict:
    """Every project in scope, with its open blockers, overdue approvals and overdue payments."""
    from jiandu.cases.models import OPEN_STATES, Case

    require_role(user, *STAFF)
    today = rules.local_today()
    approvals = (select(ApprovalItem.project_id, func.count().label("n"))
                 .where(ApprovalItem.done_on.is_(None), ApprovalItem.due_on < today)
                 .group_by(ApprovalItem.project_id).subquery())
    yellow = (select(ApprovalItem.project_id, func.count().label("n"))
              .where(ApprovalItem.done_on.is_(None), ApprovalItem.yellow_on <= today, ApprovalItem.due_on >= today)
              .group_by(ApprovalItem.project_id).subquery())
    payments = (select(Payment.project_id, func.count().label("n"), func.sum(Payment.amount_fen).label("fen"))
                .where(Payment.paid_on.is_(None), Payment.due_on < today)
                .group_by(Payment.project_id).subquery())
    blockers = (select(Blocker.project_id, func.count().label("n"))
                .join(Case, Case.id == Blocker.case_id).where(Case.state.in_(OPEN_STATES))
                .group_by(Blocker.project_id).subquery())
    n_appr, n_yel = func.coalesce(approvals.c.n, 0), func.coalesce(yellow.c.n, 0)
    n_pay, n_blk = func.coalesce(payments.c.n, 0), func.coalesce(blockers.c.n, 0)
    statement = (visible(user, select(Project, n_appr, n_yel, n_pay, n_blk, func.coalesce(payments.c.fen, 0)))
                 .outerjoin(approvals, approvals.c.project_id == Project.id)
                 .outerjoin(yellow, yellow.c.project_id == Project.id)
                 .outerjoin(payments, payments.c.project_id == Project.id)
                 .outerjoin(blockers, blockers.c.project_id == Project.id)
                 .where(Project.active.is_(True)))
    if jurisdiction_id is not None:
        path = db.session.scalar(select(Jurisdiction.path).where(Jurisdiction.id == jurisdiction_id)) or "-"
        statement = statement.where(Project.jurisdiction_id.in_(
            select(Jurisdiction.id).where(Jurisdiction.path.startswith(path))))
    if q:
        statement = statement.where(or_(Project.name.contains(q[:50]), Project.project_code.contains(q[:50]),
                                        Project.owner_enterprise.contains(q[:50])))
    if problems_only:
        statement = statement.where(or_(n_appr > 0, n_pay > 0, n_blk > 0))
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    rows = db.session.execute(statement.order_by((n_appr + n_pay + n_blk).desc(), n_yel.desc(), Project.id)
                              .limit(per_page).offset((page - 1) * per_page)).all()
    items = []
    for project, overdue_a, yellow_a, overdue_p, open_b, fen in rows:
        items.append({"id": project.id, "name": project.name, "project_code": project.project_code,
                      "owner_enterprise": project.owner_enterprise, "stage": project.stage,
                      "stage_label": STAGE_LABELS.get(project.stage),
                      "jurisdiction": project.jurisdiction.name if project.jurisdiction else None,
                      "liaison_name": project.liaison_name, "overdue_approvals": overdue_a,
                      "yellow_approvals": yellow_a, "overdue_payments": overdue_p,
                      "overdue_amount": fen_to_yuan(fen or 0), "open_blockers": open_b})
    return {"items": items, "total": total, "page": page, "per_page": per_page, "today": today.isoformat()}


def _visits(project_id: int) -> list[dict]:
    try:
        from jiandu.fieldwork.models import Visit
    except Exception:  # the fieldwork capability not installed
        return []
    out = []
    for visit in db.session.scalars(select(Visit).where(Visit.project_id == project_id).order_by(Visit.id)):
        when = (getattr(visit, "visited_at", None) or getattr(visit, "planned_at", None)
                or getattr(visit, "created_at", None))
        out.append({"id": visit.id, "at": iso_utc(when) if isinstance(when, datetime) else
                    (when.isoformat() if when else None),
                    "kind": getattr(visit, "kind", None), "state": getattr(visit, "state", None)})
    return out


def timeline(user: User, project_id: int) -> dict:
    """A project's page: the registry, approvals with colours, payments, milestones, blockers and, for
    staff, the cases and visits — each list, and one time-ordered stream of everything."""
    from jiandu.cases.models import Case
    from jiandu.cases.service import STATE_LABELS, visible_cases

    project = get_project(user, project_id)
    staff = user.role in STAFF
    today = rules.local_today()
    calendar = Calendar.load()
    s = settings()
    approvals = [approval_view(i, today, calendar, s["approval_yellow_percent"]) for i in db.session.scalars(
        visible(user, ApprovalItem).where(ApprovalItem.project_id == project.id)
        .order_by(ApprovalItem.submitted_on, ApprovalItem.id))]
    payments = [payment_view(p, today, s["payment_warn_days"]) for p in db.session.scalars(
        visible(user, Payment).where(Payment.project_id == project.id).order_by(Payment.due_on, Payment.id))]
    milestones = [milestone_view(m, today) for m in db.session.scalars(
        visible(user, Milestone).where(Milestone.project_id == project.id)
        .order_by(Milestone.planned_on, Milestone.id))]
    labels = category_labels()
    blockers = [blocker_view(b, user, labels) for b in db.session.scalars(list_blockers(user, project.id))]
    cases, visits = [], []
    if staff:
        point = point_of(project.id)
        lead_ids = select(ApprovalItem.lead_case_id).where(ApprovalItem.project_id == project.id).union(
            select(Payment.lead_case_id).where(Payment.project_id == project.id))
        conditions = [Case.project_id == project.id, Case.id.in_(lead_ids)]
        if point is not None:
            conditions.append(Case.point_id == point.id)
        for c in db.session.scalars(visible_cases(user).where(or_(*conditions)).order_by(Case.id)):
            cases.append({"id": c.id, "number": c.number, "state": c.state,
                          "state_label": STATE_LABELS.get(c.state), "case_type": c.case_type,
                          "category": c.category, "summary": c.summary, "warning": c.warning,
                          "created_at": iso_utc(c.created_at)})
        visits = _visits(project.id)
    stream = []
    for a in approvals:
        stream.append({"on": a["submitted_on"], "kind": "approval_submitted", "id": a["id"], "title": a["name"],
                       "colour": a["colour"]})
        if a["done_on"]:
            stream.append({"on": a["done_on"], "kind": "approval_done", "id": a["id"], "title": a["name"],
                           "colour": a["colour"]})
    for p in payments:
        stream.append({"on": p["due_on"], "kind": "payment_due", "id": p["id"], "title": p["contract_name"],
                       "colour": p["colour"]})
        if p["paid_on"]:
            stream.append({"on": p["paid_on"], "kind": "payment_paid", "id": p["id"], "title": p["contract_name"],
                           "colour": p["colour"]})
    for m in milestones:
        if m["done_on"] or m["planned_on"]:
            stream.append({"on": m["done_on"] or m["planned_on"], "kind": "milestone", "id": m["id"],
                           "title": m["name"], "colour": "red" if m["late"] else "green"})
    for b in blockers:
        stream.append({"on": (b["created_at"] or "")[:10], "kind": "blocker", "id": b["id"],
                       "title": b["category_label"], "colour": "yellow" if b["open"] else "green"})
    for c in cases:
        stream.append({"on": (c["created_at"] or "")[:10], "kind": "case", "id": c["id"], "title": c["summary"],
                       "colour": c["warning"] if c["warning"] != "none" else "green"})
    for v in visits:
        stream.append({"on": (v["at"] or "")[:10], "kind": "visit", "id": v["id"], "title": "走访",
                       "colour": "green"})
    stream.sort(key=lambda e: (e["on"] or "", e["kind"]))
    return {"project": project_view(project, user), "today": today.isoformat(), "approvals": approvals,
            "payments": payments, "milestones": milestones, "blockers": blockers, "cases": cases,
            "visits": visits, "stream": stream,
            "can_edit": staff, "can_invite": staff or (user.role == "enterprise" and _is_contact(user))}


def my_projects(user: User) -> list[Project]:
    return list(db.session.scalars(visible(user, Project).where(Project.active.is_(True)).order_by(Project.id)))


def blocker_recipients(case_id: int) -> list[int]:
    """Who follows a case that came from a blocker: the reporting enterprise user (for push
    notifications of the case's moves). Empty when the case did not come from a blocker."""
    return [uid for uid in db.session.scalars(select(Blocker.reporter_id).where(Blocker.case_id == case_id))
            if uid is not None]
