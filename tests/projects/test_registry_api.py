"""The registry: create, update, validation with clear reasons, Excel/CSV import all-or-none."""
import io

from openpyxl import Workbook
from sqlalchemy import select

from jiandu.extensions import db
from jiandu.org.models import Point, Project
from jiandu.projects import credit_code
from tests.projects.conftest import BUILDER_CODE, OWNER_CODE, assert_error, departments_of, project_body


def test_create_gives_the_project_its_own_code(as_user):
    admin = as_user("admin")
    r = admin.post("/api/v1/projects", json=project_body(stage="施工许可"))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["stage"] == "construction_permit" and body["owner_credit_code"] == OWNER_CODE
    point = db.session.scalar(select(Point).where(Point.project_id == body["id"]))
    assert point.type == "project" and point.code == body["point"]["code"]
    # the organisation's GET serves it too
    assert admin.get(f"/api/v1/projects/{body['id']}").status_code == 200


def test_inspectors_may_register_handlers_and_enterprises_may_not(as_user):
    assert as_user("inspector").post("/api/v1/projects", json=project_body()).status_code == 201
    assert_error(as_user("handler").post("/api/v1/projects", json=project_body()), 403, "forbidden")
    assert_error(as_user("enterprise").post("/api/v1/projects", json=project_body()), 403, "forbidden")


def test_invalid_credit_codes_are_refused_with_the_reason(as_user):
    admin = as_user("admin")
    bad = OWNER_CODE[:17] + ("0" if OWNER_CODE[17] != "0" else "1")
    e = assert_error(admin.post("/api/v1/projects", json=project_body(owner_credit_code=bad)), 422, "invalid")
    assert "校验位" in e["fields"]["owner_credit_code"]
    e = assert_error(admin.post("/api/v1/projects", json=project_body(construction_credit_code="91150207MA0QH7K4")),
                     422)
    assert "18 位" in e["fields"]["construction_credit_code"]
    e = assert_error(admin.post("/api/v1/projects", json=project_body(owner_credit_code="91150207MA0QH7KOIU")), 422)
    assert "不允许的字符" in e["fields"]["owner_credit_code"]
    e = assert_error(admin.post("/api/v1/projects", json=project_body(owner_credit_code="")), 422)
    assert "owner_credit_code" in e["fields"]


def test_credit_codes_of_the_demo_enterprises_are_valid():
    from jiandu.demo.seed import demo_enterprises

    assert all(credit_code.is_valid(e["credit_code"]) for e in demo_enterprises())
    assert credit_code.is_valid(BUILDER_CODE.lower())


def test_unknown_departments_stage_jurisdiction_and_duplicates_are_refused(as_user):
    admin = as_user("admin")
    e = assert_error(admin.post("/api/v1/projects", json=project_body(department_ids=[999999])), 422)
    assert "999999" in e["fields"]["department_ids"]
    e = assert_error(admin.post("/api/v1/projects", json=project_body(stage="开工")), 422)
    assert "stage" in e["fields"]
    # a county admin cannot register a project in another county
    kdl = as_user("kdl-admin")
    e = assert_error(kdl.post("/api/v1/projects", json=project_body("九原区", department_ids=[])), 422)
    assert "jurisdiction_id" in e["fields"]
    body = project_body()
    assert admin.post("/api/v1/projects", json=body).status_code == 201
    e = assert_error(admin.post("/api/v1/projects", json={**body, "name": "另一个"}), 422)
    assert "已登记" in e["fields"]["project_code"]
    e = assert_error(admin.post("/api/v1/projects", json=project_body(liaison_phone="12345")), 422)
    assert "liaison_phone" in e["fields"]
    e = assert_error(admin.post("/api/v1/projects", json=project_body(investment_wan=-5)), 422)
    assert "investment_wan" in e["fields"]


def test_update_with_version_and_departments(as_user, make_project):
    project = make_project()
    admin = as_user("admin")
    r = admin.patch(f"/api/v1/projects/{project.id}", json={"stage": "completion", "version": 1,
                                                           "department_ids": [departments_of("九原区", 3)[2].id]})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["stage"] == "completion" and len(r.get_json()["departments"]) == 1
    assert_error(admin.patch(f"/api/v1/projects/{project.id}", json={"stage": "land_planning", "version": 1}), 409)


def test_a_project_reads_as_it_is_written_and_its_version_serves_the_next_edit(as_user, make_project):
    project = make_project()
    admin = as_user("admin")
    read = admin.get(f"/api/v1/projects/{project.id}")
    assert read.status_code == 200
    edited = admin.patch(f"/api/v1/projects/{project.id}", json={"stage": "completion", **{
        "version": read.get_json()["version"]}})
    assert edited.status_code == 200, edited.get_json()
    again = admin.get(f"/api/v1/projects/{project.id}").get_json()
    assert again == edited.get_json() and set(again) == set(read.get_json())
    listed = admin.get("/api/v1/projects", query_string={"per_page": 100}).get_json()["items"]
    assert {"id": project.id, "version": again["version"]}.items() <= next(
        p for p in listed if p["id"] == project.id).items()


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADER = ["项目名称", "项目代码", "业主单位", "业主单位统一社会信用代码", "施工单位", "施工单位统一社会信用代码",
          "辖区", "项目地址", "总投资（万元）", "阶段", "涉及部门", "包联干部"]


def test_import_from_excel(as_user):
    depts = "、".join(u.name for u in departments_of("九原区"))
    content = _xlsx([HEADER,
                     ["导入项目一", "2025-150207-39-03-800001", "包头某公司", OWNER_CODE, "某建工", BUILDER_CODE,
                      "九原区", "九原区某路", 5000, "工程建设许可", depts, "张三"],
                     ["导入项目二", "2025-150207-39-03-800002", "包头某公司", OWNER_CODE, "", "",
                      "九原区", "", "", "", "", ""]])
    r = as_user("admin").post("/api/v1/projects/import",
                              data={"file": (io.BytesIO(content), "projects.xlsx")},
                              content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["created"] == 2
    project = db.session.scalar(select(Project).where(Project.project_code == "2025-150207-39-03-800001"))
    assert project.stage == "construction_permit_prep" and project.investment_wan == 5000


def test_import_is_all_or_none_with_row_errors(as_user):
    content = _xlsx([HEADER,
                     ["好的一行", "2025-150207-39-03-800011", "包头某公司", OWNER_CODE, "", "", "九原区",
                      "", "", "", "", ""],
                     ["坏的一行", "2025-150207-39-03-800012", "包头某公司", "91150207MA0QH7K4X0", "", "", "九原区",
                      "", "", "", "不存在的局", ""],
                     ["重复", "2025-150207-39-03-800011", "包头某公司", OWNER_CODE, "", "", "火星区",
                      "", "", "", "", ""]])
    r = as_user("admin").post("/api/v1/projects/import", data={"file": (io.BytesIO(content), "p.xlsx")},
                              content_type="multipart/form-data")
    e = assert_error(r, 422, "import_rejected")
    rows = {x["row"] for x in e["rows"]}
    assert rows == {3, 4}
    messages = " ".join(x["message"] for x in e["rows"])
    assert "校验位" in messages and "不存在的局" in messages and "火星区" in messages and "重复" in messages
    assert db.session.scalar(select(Project).where(Project.project_code == "2025-150207-39-03-800011")) is None


def test_import_csv_and_bad_header(as_user):
    csv_text = "项目名称,项目代码\n甲,1\n"
    r = as_user("admin").post("/api/v1/projects/import", data={"file": (io.BytesIO(csv_text.encode()), "p.csv")},
                              content_type="multipart/form-data")
    e = assert_error(r, 422)
    assert "表头缺少" in e["fields"]["file"]
