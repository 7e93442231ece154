"""Importing points from the sheets administrators keep: CSV (UTF-8 or GBK) and Excel, all or none."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from jiandu.extensions import db
from jiandu.org.models import Point, Unit

from .conftest import assert_error, has_chinese

HEADER = ["类型", "名称", "窗口号", "大厅", "部门"]
HALL = "固阳县政务服务中心"
OTHER_HALL = "达尔罕茂明安联合旗政务服务中心"
DEPARTMENT = "固阳县市场监督管理局"


def _good_rows():
    return [
        ["窗口", "食品经营许可窗口（导入）", "T101", HALL, DEPARTMENT],
        ["窗口", "个体工商户登记窗口（导入）", "T102", HALL, DEPARTMENT],
        ["窗口", "综合受理窗口（导入）", "T101", OTHER_HALL, "固阳县行政审批和政务服务局"],
    ]


def _csv(rows, encoding="utf-8") -> bytes:
    lines = [",".join(row) for row in [HEADER, *rows]]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(api, content: bytes, filename: str):
    return api.post("/api/v1/points/import", data={"file": (io.BytesIO(content), filename)},
                    content_type="multipart/form-data")


def _point_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Point.id)))


def _unit_id(name: str) -> int:
    return db.session.scalar(select(Unit.id).where(Unit.name == name))


@pytest.fixture
def admin(as_user):
    return as_user("admin")


@pytest.mark.parametrize("kind", ["csv-utf8", "csv-utf8-bom", "csv-gbk", "xlsx"])
def test_a_sheet_with_chinese_headers_creates_every_row(admin, kind):
    rows = _good_rows()
    content, filename = {
        "csv-utf8": (_csv(rows), "points.csv"),
        "csv-utf8-bom": (_csv(rows, "utf-8-sig"), "窗口清单.CSV"),
        "csv-gbk": (_csv(rows, "gbk"), "窗口清单.csv"),
        "xlsx": (_xlsx(rows), "窗口清单.xlsx"),
    }[kind]
    before = _point_count()
    response = _upload(admin, content, filename)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["created"] == len(rows) == len(body["points"])
    assert _point_count() == before + len(rows)
    for row, point in zip(rows, body["points"]):
        assert point["type"] == "window"
        assert point["name"] == row[1]
        assert point["number"] == row[2]
        assert point["hall"] == {"id": _unit_id(row[3]), "name": row[3]}
        assert point["department"] == {"id": _unit_id(row[4]), "name": row[4]}
        assert len(point["code"]) == 9
        stored = db.session.get(Point, point["id"])
        assert stored.name == row[1] and stored.active


def test_a_file_with_bad_rows_is_rejected_whole(admin):
    taken = db.session.scalar(select(Point.number).where(Point.hall_id == _unit_id(HALL), Point.type == "window"))
    rows = [
        ["窗口", "正常窗口", "T201", HALL, DEPARTMENT],                  # row 2: fine
        ["窗口", "未知大厅的窗口", "T202", "月球政务服务中心", DEPARTMENT],    # row 3: unknown hall
        ["窗口", "", "T203", HALL, DEPARTMENT],                          # row 4: no name
        ["窗口", "重号窗口", taken, HALL, DEPARTMENT],                     # row 5: number already used
        ["窗口", "文件内重号窗口", "T201", HALL, DEPARTMENT],               # row 6: same number as row 2
        ["窗口", "另一个正常窗口", "T207", HALL, DEPARTMENT],               # row 7: fine
    ]
    for content, filename in ((_csv(rows), "bad.csv"), (_xlsx(rows), "bad.xlsx")):
        before = _point_count()
        response = _upload(admin, content, filename)
        error = assert_error(response, 422, "import_rejected")
        assert has_chinese(error["message"])
        reported = {}
        for entry in error["rows"]:
            assert has_chinese(entry["message"]), entry
            reported.setdefault(entry["row"], []).append(entry["message"])
        assert set(reported) == {3, 4, 5, 6}, reported
        assert any("月球政务服务中心" in m for m in reported[3])
        assert any("名称" in m for m in reported[4])
        assert any(taken in m for m in reported[5])
        assert any("T201" in m for m in reported[6])
        assert _point_count() == before
        assert db.session.scalar(select(Point.id).where(Point.name.in_(["正常窗口", "另一个正常窗口"]))) is None


def test_unknown_point_type_in_a_row_is_reported(admin):
    rows = [["飞船", "某点位", "", HALL, DEPARTMENT]]
    before = _point_count()
    error = assert_error(_upload(admin, _csv(rows), "points.csv"), 422, "import_rejected")
    assert [e["row"] for e in error["rows"]] == [2]
    assert "飞船" in error["rows"][0]["message"]
    assert _point_count() == before


@pytest.mark.parametrize("filename,content", [
    ("points.txt", "类型,名称\n窗口,某窗口\n".encode()),
    ("points.pdf", b"%PDF-1.4\n"),
    ("points.xlsx", b"this is not a spreadsheet"),
])
def test_a_file_of_the_wrong_type_is_refused(admin, filename, content):
    before = _point_count()
    error = assert_error(_upload(admin, content, filename), 422, "invalid")
    assert "file" in error["fields"] and has_chinese(error["fields"]["file"])
    assert _point_count() == before


def test_a_missing_file_is_refused(admin):
    error = assert_error(admin.post("/api/v1/points/import", data={}, content_type="multipart/form-data"), 422)
    assert "file" in error["fields"]


def test_a_header_without_name_is_refused(admin):
    content = "类型,窗口号,大厅\n窗口,1,固阳县政务服务中心\n".encode()
    error = assert_error(_upload(admin, content, "points.csv"), 422, "invalid")
    assert "名称" in error["fields"]["file"]


def test_only_admins_import(as_user):
    before = _point_count()
    response = _upload(as_user("inspector"), _csv(_good_rows()), "points.csv")
    assert_error(response, 403, "forbidden")
    assert _point_count() == before


def test_a_county_admin_cannot_import_into_another_countys_hall(as_user):
    before = _point_count()
    error = assert_error(_upload(as_user("kdl-admin"), _csv(_good_rows()), "points.csv"), 422, "import_rejected")
    assert {e["row"] for e in error["rows"]} == {2, 3, 4}
    assert _point_count() == before
