"""The rules of the organisation: plain functions, no request in here."""
from __future__ import annotations

from sqlalchemy import func, select

from jiandu import audit
from jiandu.errors import ApiError, Conflict, Invalid, NotFound
from jiandu.extensions import db
from jiandu.org import credentials, grants
from jiandu.org.models import Jurisdiction, Point, Project, Unit, User
from jiandu.org.scope import get_visible, is_visible, visible
from jiandu.security import hash_password, new_code, verify_password
from jiandu.timeutil import utcnow

OUT_OF_SCOPE = "不存在或不在您的管辖范围内"
MIN_PASSWORD = 10


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise ApiError(403, "forbidden", "您的角色无权执行此操作")


def _check_version(record, version: int | None) -> None:
    if version is not None and version != record.version:
        raise Conflict("该记录已被他人修改，请刷新后再试", extra={"current_version": record.version})


def _bump(record) -> None:
    record.version = (record.version or 0) + 1


# --- sign-in -----------------------------------------------------------------

def authenticate(username: str, password: str) -> User:
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    if not verify_password(user.password_hash if user and user.active else None, password or ""):
        raise ApiError(401, "bad_credentials", "用户名或密码不正确")
    user.last_login_at = utcnow()
    audit.record(user.id, "login", user)
    return user


def change_password(user: User, old: str, new: str) -> None:
    if not verify_password(user.password_hash, old or ""):
        raise Invalid({"old_password": "原密码不正确"})
    if len(new or "") < MIN_PASSWORD:
        raise Invalid({"new_password": f"新密码至少 {MIN_PASSWORD} 位"})
    if new == old:
        raise Invalid({"new_password": "新密码不能与原密码相同"})
    user.password_hash = hash_password(new)
    credentials.end_all(user)  # whoever knew the old password is out, tokens included
    audit.record(user.id, "password_change", user)


# --- jurisdictions -------------------------------------------------------------

def create_jurisdiction(actor: User, data: dict) -> Jurisdiction:
    require_role(actor, "admin")
    if not is_visible(actor, Jurisdiction, data.get("parent_id")):
        raise Invalid({"parent_id": f"上级辖区{OUT_OF_SCOPE}"})
    grants.refuse_unless_manages_jurisdiction(actor, data["parent_id"], "parent_id")
    parent = db.session.get(Jurisdiction, data["parent_id"])
    child_level = {"city": "county", "county": "town"}.get(parent.level)
    if child_level is None:
        raise Invalid({"parent_id": "乡镇/街道之下不能再建辖区"})
    item = Jurisdiction(name=data["name"], level=child_level, parent_id=parent.id,
                        division_code=data.get("division_code"))
    db.session.add(item)
    db.session.flush()
    item.path = f"{parent.path}{item.id}/"
    audit.record(actor.id, "jurisdiction_create", item)
    return item


def update_jurisdiction(actor: User, jurisdiction_id: int, data: dict) -> Jurisdiction:
    item = get_visible(actor, Jurisdiction, jurisdiction_id, "辖区")
    require_role(actor, "admin")
    grants.refuse_unless_manages_jurisdiction(actor, item.id, "jurisdiction_id")
    for key in ("name", "division_code"):
        if key in data:
            setattr(item, key, data[key])
    if data.get("active") is False:
        _refuse_if_has_active(item)
        item.active = False
    elif data.get("active") is True:
        item.active = True
    audit.record(actor.id, "jurisdiction_update", item, **data)
    return item


def _refuse_if_has_active(jurisdiction: Jurisdiction) -> None:
    active_units = db.session.scalar(
        select(func.count()).select_from(Unit).where(Unit.jurisdiction_id == jurisdiction.id, Unit.active)
    )
    if active_units:
        raise Conflict(f"该辖区还有 {active_units} 个在用单位，请先停用或移交", code="has_open_work")


# --- units ---------------------------------------------------------------------

def _departments_in_scope(actor: User, ids: list[int]) -> list[Unit]:
    units = db.session.scalars(visible(actor, Unit).where(Unit.id.in_(ids), Unit.kind == "department")).all()
    if len(units) != len(set(ids)):
        raise Invalid({"supervised_department_ids": f"部分部门{OUT_OF_SCOPE}"})
    return list(units)


def create_unit(actor: User, data: dict) -> Unit:
    require_role(actor, "admin")
    if not is_visible(actor, Jurisdiction, data.get("jurisdiction_id")):
        raise Invalid({"jurisdiction_id": f"辖区{OUT_OF_SCOPE}"})
    grants.refuse_unless_manages_jurisdiction(actor, data["jurisdiction_id"], "jurisdiction_id")
    unit = Unit(name=data["name"], kind=data["kind"], jurisdiction_id=data["jurisdiction_id"],
                address=data.get("address"))
    if data.get("supervised_department_ids"):
        if unit.kind != "group":
            raise Invalid({"supervised_department_ids": "只有派驻纪检监察组可以监督部门"})
        unit.supervised_departments = _departments_in_scope(actor, data["supervised_department_ids"])
    db.session.add(unit)
    db.session.flush()
    if unit.kind == "hall":
        _ensure_hall_point(unit)
    audit.record(actor.id, "unit_create", unit)
    return unit


def _ensure_hall_point(hall: Unit) -> Point:
    """A hall carries a code of its own, for the entrance and the hall's general desk."""
    point = db.session.scalar(select(Point).where(Point.hall_id == hall.id, Point.type == "hall"))
    if point is None:
        point = Point(code=unique_code(), type="hall", name=hall.name, hall_id=hall.id,
                      jurisdiction_id=hall.jurisdiction_id, address=hall.address)
        db.session.add(point)
    return point


def update_unit(actor: User, unit_id: int, data: dict) -> Unit:
    unit = get_visible(actor, Unit, unit_id, "单位")
    require_role(actor, "admin")
    _check_version(unit, data.get("version"))
    for key in ("name", "address"):
        if key in data:
            setattr(unit, key, data[key])
    if "supervised_department_ids" in data:
        if unit.kind != "group":
            raise Invalid({"supervised_department_ids": "只有派驻纪检监察组可以监督部门"})
        unit.supervised_departments = _departments_in_scope(actor, data["supervised_department_ids"])
    if data.get("active") is False and unit.active:
        refuse_deactivation_with_open_work(unit)
        unit.active = False
    elif data.get("active") is True:
        unit.active = True
    _bump(unit)
    audit.record(actor.id, "unit_update", unit, **{k: v for k, v in data.items() if k != "version"})
    return unit


# Other capabilities (cases, checklists…) add checks here: fn(unit) -> (count, "what") or None.
OPEN_WORK_CHECKS: list = []


def refuse_deactivation_with_open_work(unit: Unit) -> None:
    reasons = []
    active_points = db.session.scalar(
        select(func.count()).select_from(Point).where(
            Point.active, (Point.hall_id == unit.id) | (Point.department_id == unit.id), Point.type != "hall"
        )
    )
    if active_points:
        reasons.append(f"{active_points} 个在用点位")
    active_users = db.session.scalar(
        select(func.count()).select_from(User).where(User.unit_id == unit.id, User.active)
    )
    if active_users:
        reasons.append(f"{active_users} 个在用账号")
    for check in OPEN_WORK_CHECKS:
        found = check(unit)
        if found:
            reasons.append(f"{found[0]} 个{found[1]}")
    if reasons:
        raise Conflict(f"该单位还有{'、'.join(reasons)}，请先办结、停用或移交后再停用", code="has_open_work")


# --- points ----------------------------------------------------------------------

def unique_code(rng=None) -> str:
    while True:
        code = new_code(rng)
        if db.session.scalar(select(Point.id).where(Point.code == code)) is None:
            return code


def _resolve_point_links(actor: User, data: dict, point: Point | None = None) -> dict:
    """Check hall, department, project and jurisdiction; fill the jurisdiction from the hall."""
    errors, resolved = {}, {}
    for field, model, label, kind in (
        ("hall_id", Unit, "大厅", "hall"),
        ("department_id", Unit, "部门", "department"),
        ("project_id", Project, "项目", None),
    ):
        if data.get(field) is None:
            continue
        record = db.session.scalar(visible(actor, model).where(model.id == data[field]))
        if record is None or (kind and record.kind != kind):
            errors[field] = f"{label}{OUT_OF_SCOPE}"
        else:
            resolved[field] = record
    jurisdiction_id = data.get("jurisdiction_id")
    hall = resolved.get("hall_id") or (point.hall if point is not None and "hall_id" not in data else None)
    if hall is not None:
        hall_jurisdiction = hall.jurisdiction_id
        if jurisdiction_id not in (None, hall_jurisdiction):
            errors["jurisdiction_id"] = "点位的辖区须与所属大厅一致"
        jurisdiction_id = hall_jurisdiction
    if jurisdiction_id is None and "project_id" in resolved:
        jurisdiction_id = resolved["project_id"].jurisdiction_id
    if jurisdiction_id is None and point is not None:
        jurisdiction_id = point.jurisdiction_id
    if jurisdiction_id is None:
        errors["jurisdiction_id"] = "请选择所属辖区（或选择大厅）"
    elif not is_visible(actor, Jurisdiction, jurisdiction_id):
        errors["jurisdiction_id"] = f"辖区{OUT_OF_SCOPE}"
    point_type = data.get("type") or (point.type if point else None)
    hall_id = data.get("hall_id", point.hall_id if point else None)
    if point_type == "window" and hall_id is None:
        errors["hall_id"] = "窗口必须属于一个政务服务大厅"
    if point_type == "window" and data.get("department_id", point.department_id if point else None) is None:
        errors["department_id"] = "请填写窗口的进驻部门"
    if point_type == "project" and data.get("project_id", point.project_id if point else None) is None:
        errors["project_id"] = "项目码必须关联一个重大项目"
    if point_type == "window" and not (data.get("number") or (point.number if point else None)):
        errors["number"] = "请填写窗口号"
    if errors:
        raise Invalid(errors)
    return {"jurisdiction_id": jurisdiction_id}


def _refuse_duplicate_window(data: dict, point: Point | None = None) -> None:
    hall_id = data.get("hall_id", point.hall_id if point else None)
    number = data.get("number", point.number if point else None)
    if hall_id is None or not number:
        return
    clash = select(Point.id).where(Point.hall_id == hall_id, Point.number == number, Point.active,
                                   Point.type == "window")
    if point is not None:
        clash = clash.where(Point.id != point.id)
    if db.session.scalar(clash) is not None:
        raise Invalid({"number": f"该大厅已有 {number} 号窗口"})


POINT_FIELDS = ("type", "name", "name_mn", "number", "hall_id", "department_id", "project_id", "address",
                "allowed_origins")


def create_point(actor: User, data: dict) -> Point:
    require_role(actor, "admin")
    links = _resolve_point_links(actor, data)
    _refuse_duplicate_window(data)
    point = Point(code=unique_code(), **{k: data.get(k) for k in POINT_FIELDS}, **links)
    db.session.add(point)
    db.session.flush()
    audit.record(actor.id, "point_create", point)
    return point


def update_point(actor: User, point_id: int, data: dict) -> Point:
    point = get_visible(actor, Point, point_id, "点位")
    require_role(actor, "admin")
    _check_version(point, data.get("version"))
    links = _resolve_point_links(actor, data, point)
    _refuse_duplicate_window(data, point)
    for key in POINT_FIELDS:
        if key in data:
            setattr(point, key, data[key])
    point.jurisdiction_id = links["jurisdiction_id"]
    if "active" in data:
        point.active = data["active"]  # never deleted: its history (reports, cases) stays
    _bump(point)
    audit.record(actor.id, "point_update", point, **{k: v for k, v in data.items() if k != "version"})
    return point


def point_by_code(code: str) -> Point | None:
    return db.session.scalar(select(Point).where(Point.code == code))


# --- users -------------------------------------------------------------------------

def _resolve_user_scope(actor: User, data: dict, user: User | None = None) -> dict:
    role = data.get("role") or (user.role if user else None)
    errors = {}
    unit_id = data.get("unit_id", user.unit_id if user else None)
    project_id = data.get("project_id", user.project_id if user else None)
    jurisdiction_id = data.get("jurisdiction_id", user.jurisdiction_id if user else None)
    if unit_id is not None:
        unit = db.session.scalar(visible(actor, Unit).where(Unit.id == unit_id))
        if unit is None:
            errors["unit_id"] = f"单位{OUT_OF_SCOPE}"
        else:
            jurisdiction_id = unit.jurisdiction_id
            if role == "handler" and unit.kind != "department":
                errors["unit_id"] = "部门经办人必须属于一个职能部门"
            if role == "inspector" and unit.kind not in ("group", "commission"):
                errors["unit_id"] = "监督员只能属于纪委监委或派驻纪检监察组"
    if role == "handler" and unit_id is None:
        errors["unit_id"] = "请选择经办人所在部门"
    if role == "enterprise":
        project = db.session.scalar(visible(actor, Project).where(Project.id == project_id)) if project_id else None
        if project is None:
            errors["project_id"] = f"项目{OUT_OF_SCOPE}"
        else:
            jurisdiction_id = project.jurisdiction_id
    if jurisdiction_id is None or not is_visible(actor, Jurisdiction, jurisdiction_id):
        errors.setdefault("jurisdiction_id", f"辖区{OUT_OF_SCOPE}")
    if errors:
        raise Invalid(errors)
    # A commission inspector's scope is the jurisdiction; the commission unit is only a label.
    if role in ("admin", "inspector") and unit_id is not None and db.session.get(Unit, unit_id).kind == "commission":
        unit_id = None
    return {"jurisdiction_id": jurisdiction_id, "unit_id": unit_id,
            "project_id": project_id if role == "enterprise" else None}


SCOPE_FIELDS = ("role", "unit_id", "project_id", "jurisdiction_id")


def _check_password(data: dict) -> None:
    if "password" in data and len(data["password"] or "") < MIN_PASSWORD:
        raise Invalid({"password": f"密码至少 {MIN_PASSWORD} 位"})


def read_user(actor: User, user_id: int) -> User:
    """Anyone reads their own account, admins the accounts in their scope; for everyone else another
    account does not exist (404, as outside a scope)."""
    if user_id == actor.id:
        return actor
    if actor.role != "admin":
        raise NotFound("用户")
    return get_visible(actor, User, user_id, "用户")


def create_user(actor: User, data: dict) -> User:
    grants.check_account_change(actor, None, data)
    if db.session.scalar(select(User.id).where(User.username == data["username"])) is not None:
        raise Invalid({"username": "该用户名已被使用"})
    _check_password({"password": data.get("password")})
    scope = _resolve_user_scope(actor, data)
    grants.check_grant(actor, data["role"], scope)
    user = User(username=data["username"], display_name=data["display_name"], role=data["role"],
                password_hash=hash_password(data["password"]), **scope)
    db.session.add(user)
    db.session.flush()
    audit.record(actor.id, "user_create", user, role=user.role)
    return user


def update_user(actor: User, user_id: int, data: dict) -> User:
    """Everything is checked before anything changes: a refusal leaves the account as it was."""
    user = read_user(actor, user_id)
    grants.check_account_change(actor, user, data)
    _check_password(data)
    scope = None
    if any(key in data and data[key] != getattr(user, key) for key in SCOPE_FIELDS):  # a same value grants nothing
        scope = _resolve_user_scope(actor, data, user)
        grants.check_grant(actor, data.get("role") or user.role, scope)
    for key, value in (scope or {}).items():
        setattr(user, key, value)
    for key in ("display_name", "role", "active", "locale"):
        if key in data:
            setattr(user, key, data[key])
    if data.get("password"):
        user.password_hash = hash_password(data["password"])
    if data.get("password") or data.get("active") is False:
        credentials.end_all(user)  # a reset or a switch-off ends every session and token
    audit.record(actor.id, "user_update", user, **{k: v for k, v in data.items() if k != "password"},
                 **({"password_reset": True} if data.get("password") else {}))
    return user
