"""Import points from the sheets administrators already keep (Excel .xlsx or CSV).

All rows or none: every row is checked first, and any bad row rejects the whole file with its
row number and the reason, in Chinese.
"""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from jiandu.errors import ApiError, Invalid
from jiandu.extensions import db
from jiandu.org import service
from jiandu.org.models import POINT_TYPES, Jurisdiction, Unit, User
from jiandu.org.scope import visible

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024

# Header (as administrators write it) → field. English headers work too.
HEADERS = {
    "类型": "type", "type": "type",
    "名称": "name", "窗口名称": "name", "name": "name",
    "窗口号": "number", "编号": "number", "number": "number",
    "大厅": "hall", "所属大厅": "hall", "hall": "hall",
    "部门": "department", "进驻部门": "department", "department": "department",
    "辖区": "jurisdiction", "jurisdiction": "jurisdiction",
    "地址": "address", "address": "address",
    "蒙古文名称": "name_mn", "name_mn": "name_mn",
}
TYPE_NAMES = {
    "窗口": "window", "大厅": "hall", "党群服务中心": "party_centre", "便民服务站": "convenience_station",
    "便民服务站点": "convenience_station", "执法单位": "law_enforcement", "基层站所": "grassroots_station",
    "网站": "website", "重大项目": "project", **{t: t for t in POINT_TYPES},
}


def _rows_from_csv(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GBK
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Invalid({"file": "无法识别文件编码，请另存为 UTF-8 CSV 或 Excel"})
    return [row for row in csv.reader(io.StringIO(text))]


def _rows_from_xlsx(content: bytes) -> list[list[str]]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise Invalid({"file": "无法读取该 Excel 文件，请确认是 .xlsx 格式"}) from exc
    sheet = book.worksheets[0]
    rows = [["" if cell is None else str(cell).strip() for cell in row]
            for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
    book.close()
    return rows


def read_rows(filename: str, content: bytes) -> list[list[str]]:
    if len(content) > MAX_BYTES:
        raise Invalid({"file": "文件超过 5 MB，请分批导入"})
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _rows_from_xlsx(content)
    if name.endswith(".csv"):
        return _rows_from_csv(content)
    raise Invalid({"file": "只支持 Excel（.xlsx）或 CSV 文件"})


def _parse_header(header: list[str]) -> list[str | None]:
    fields = [HEADERS.get((cell or "").strip()) for cell in header]
    missing = [label for label, field in (("类型", "type"), ("名称", "name")) if field not in fields]
    if missing:
        raise Invalid({"file": f"表头缺少：{'、'.join(missing)}（第 1 行）"})
    return fields


class _Lookup:
    """Halls, departments and jurisdictions the importing admin may use, found by name."""

    def __init__(self, actor: User):
        units = db.session.scalars(visible(actor, Unit).where(Unit.active)).all()
        self.halls = {u.name: u for u in units if u.kind == "hall"}
        self.departments = {u.name: u for u in units if u.kind == "department"}
        self.jurisdictions = {j.name: j for j in db.session.scalars(visible(actor, Jurisdiction)).all()}


def _row_to_data(values: dict, lookup: _Lookup) -> tuple[dict, list[str]]:
    errors, data = [], {}
    point_type = TYPE_NAMES.get(values.get("type", ""))
    if point_type is None:
        errors.append(f"类型“{values.get('type', '')}”无法识别")
    data["type"] = point_type
    data["name"] = values.get("name", "")
    if not data["name"] or len(data["name"]) > 128:
        errors.append("名称不能为空且不超过 128 个字")
    for field, table, label in (("hall", lookup.halls, "大厅"), ("department", lookup.departments, "部门"),
                                ("jurisdiction", lookup.jurisdictions, "辖区")):
        name = values.get(field)
        if name:
            record = table.get(name)
            if record is None:
                errors.append(f"{label}“{name}”不存在或不在您的管辖范围内")
            else:
                data[f"{field}_id"] = record.id
    for field in ("number", "address", "name_mn"):
        if values.get(field):
            data[field] = values[field]
    return data, errors


def import_points(actor: User, filename: str, content: bytes) -> list:
    service.require_role(actor, "admin")
    rows = read_rows(filename, content)
    if not rows:
        raise Invalid({"file": "文件是空的"})
    fields = _parse_header(rows[0])
    body = [(number, row) for number, row in enumerate(rows[1:], start=2) if any((c or "").strip() for c in row)]
    if not body:
        raise Invalid({"file": "文件中没有数据行"})
    if len(body) > MAX_ROWS:
        raise Invalid({"file": f"一次最多导入 {MAX_ROWS} 行"})
    lookup = _Lookup(actor)
    row_errors, created = [], []
    savepoint = db.session.begin_nested()
    for number, row in body:
        values = {f: (row[i] or "").strip() for i, f in enumerate(fields) if f and i < len(row)}
        data, errors = _row_to_data(values, lookup)
        if not errors:
            try:
                with db.session.begin_nested():
                    created.append(service.create_point(actor, data))
            except ApiError as exc:
                errors = list(exc.fields.values()) or [exc.message]
        row_errors.extend({"row": number, "message": message} for message in errors)
    if row_errors:
        savepoint.rollback()
    else:
        savepoint.commit()
    if row_errors:
        bad_rows = len({e["row"] for e in row_errors})
        raise ApiError(422, "import_rejected",
                       f"导入未执行：{bad_rows} 行有错误，请修改后重新上传（所有行均未导入）",
                       {"file": "; ".join(f"第 {e['row']} 行：{e['message']}" for e in row_errors[:50])},
                       extra={"rows": row_errors})
    return created
