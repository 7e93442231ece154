"""Import projects from Excel (.xlsx) or CSV: all rows or none, every bad row named with its reason."""
from __future__ import annotations

import re

from jiandu.errors import ApiError, Invalid
from jiandu.extensions import db
from jiandu.org import importer as org_importer
from jiandu.org.models import Jurisdiction, Project, Unit, User
from jiandu.org.scope import visible
from jiandu.projects import credit_code, service
from jiandu.projects.models import STAGE_LABELS
from jiandu.projects.registry_bodies import ProjectIn

MAX_ROWS = 2000
HEADERS = {
    "项目名称": "name", "name": "name",
    "项目代码": "project_code", "project_code": "project_code",
    "业主单位": "owner_enterprise", "owner_enterprise": "owner_enterprise",
    "业主单位统一社会信用代码": "owner_credit_code", "业主统一社会信用代码": "owner_credit_code",
    "owner_credit_code": "owner_credit_code",
    "施工单位": "construction_enterprise", "construction_enterprise": "construction_enterprise",
    "施工单位统一社会信用代码": "construction_credit_code", "construction_credit_code": "construction_credit_code",
    "辖区": "jurisdiction", "所属辖区": "jurisdiction", "jurisdiction": "jurisdiction",
    "项目地址": "location", "地址": "location", "location": "location",
    "总投资（万元）": "investment_wan", "总投资(万元)": "investment_wan", "总投资": "investment_wan",
    "investment_wan": "investment_wan",
    "阶段": "stage", "项目阶段": "stage", "stage": "stage",
    "涉及部门": "departments", "departments": "departments",
    "包联干部": "liaison_name", "liaison_name": "liaison_name",
    "包联干部电话": "liaison_phone", "liaison_phone": "liaison_phone",
    "企业联系人": "contact_name", "contact_name": "contact_name",
    "企业联系人电话": "contact_phone", "联系电话": "contact_phone", "contact_phone": "contact_phone",
}
REQUIRED = (("项目名称", "name"), ("项目代码", "project_code"), ("业主单位", "owner_enterprise"),
            ("业主单位统一社会信用代码", "owner_credit_code"), ("辖区", "jurisdiction"))


def _header(row: list[str]) -> list[str | None]:
    fields = [HEADERS.get((cell or "").strip()) for cell in row]
    missing = [label for label, field in REQUIRED if field not in fields]
    if missing:
        raise Invalid({"file": f"表头缺少：{'、'.join(missing)}（第 1 行）"})
    return fields


def import_projects(actor: User, filename: str, content: bytes) -> list[Project]:
    service.require_role(actor, *service.STAFF)
    rows = org_importer.read_rows(filename, content)
    if not rows:
        raise Invalid({"file": "文件是空的"})
    fields = _header(rows[0])
    body = [(n, r) for n, r in enumerate(rows[1:], start=2) if any((c or "").strip() for c in r)]
    if not body:
        raise Invalid({"file": "文件中没有数据行"})
    if len(body) > MAX_ROWS:
        raise Invalid({"file": f"一次最多导入 {MAX_ROWS} 行"})
    jurisdictions = {j.name: j.id for j in db.session.scalars(visible(actor, Jurisdiction))}
    departments = {u.name: u.id for u in db.session.scalars(
        visible(actor, Unit).where(Unit.kind == "department", Unit.active))}
    stages = {**{v: k for k, v in STAGE_LABELS.items()}, **{k: k for k in STAGE_LABELS}}
    row_errors, created, codes = [], [], {}
    savepoint = db.session.begin_nested()
    for number, row in body:
        values = {f: (row[i] or "").strip() for i, f in enumerate(fields) if f and i < len(row)}
        data, errors = {}, []
        for key in ("name", "project_code", "owner_enterprise", "owner_credit_code", "construction_enterprise",
                    "construction_credit_code", "location", "liaison_name", "liaison_phone", "contact_name",
                    "contact_phone"):
            if values.get(key):
                data[key] = values[key]
        for key in ("name", "project_code", "owner_enterprise", "owner_credit_code"):
            data.setdefault(key, "")
        name = values.get("jurisdiction", "")
        if name not in jurisdictions:
            errors.append(f"辖区“{name}”不存在或不在您的管辖范围内")
        else:
            data["jurisdiction_id"] = jurisdictions[name]
        if values.get("stage"):
            if values["stage"] not in stages:
                errors.append(f"阶段“{values['stage']}”无法识别（{' / '.join(STAGE_LABELS.values())}）")
            else:
                data["stage"] = stages[values["stage"]]
        if values.get("investment_wan"):
            data["investment_wan"] = values["investment_wan"].replace(",", "").removesuffix(".0")
        if values.get("departments"):
            ids = []
            for dept in (d.strip() for d in re.split(r"[、,，;；\n]+", values["departments"]) if d.strip()):
                if dept not in departments:
                    errors.append(f"部门“{dept}”不存在或不在您的管辖范围内")
                else:
                    ids.append(departments[dept])
            data["department_ids"] = ids
        for key, label in (("owner_credit_code", "业主单位统一社会信用代码"),
                           ("construction_credit_code", "施工单位统一社会信用代码")):
            if data.get(key):
                reason = credit_code.problem(data[key])
                if reason:
                    errors.append(f"{label}：{reason}")
        code = data.get("project_code")
        if code and code in codes:
            errors.append(f"项目代码与第 {codes[code]} 行重复")
        elif code:
            codes[code] = number
        if not errors:
            try:
                with db.session.begin_nested():
                    created.append(service.create_project(actor, ProjectIn().load(data)))
            except ApiError as exc:
                errors = list(exc.fields.values()) or [exc.message]
        row_errors.extend({"row": number, "message": m} for m in errors)
    if row_errors:
        savepoint.rollback()
        rows_wrong = len({e["row"] for e in row_errors})
        raise ApiError(422, "import_rejected",
                       f"导入未执行：{rows_wrong} 行有错误，请修改后重新上传（所有行均未导入）",
                       {"file": "; ".join(f"第 {e['row']} 行：{e['message']}" for e in row_errors[:50])},
                       extra={"rows": row_errors})
    savepoint.commit()
    return created
