"""The inspectors' view: reports in scope, photos, and contact details only for those who need them."""
import io
import json

from PIL import Image
from sqlalchemy import func, select

from jiandu.extensions import db
from jiandu.org.models import AuditEvent
from tests.intake.conftest import image_bytes, key, user


def _real_name(submit, point, description="窗口工作人员态度恶劣，拒收材料"):
    return submit(point, kind="report", category="attitude", description=description, anonymous=False,
                  name="钱多多", phone="13600002222").get_json()


def test_list_shows_reports_and_ratings_in_scope_newest_first(staff, submit, window, county_window):
    first = submit(window, kind="rating", rating=2).get_json()
    second = _real_name(submit, window)
    third = submit(county_window, kind="rating", rating=5, reasons=["rude"]).get_json()
    inspector = staff("inspector")
    page = inspector.get("/api/v1/reports?per_page=10").get_json()
    ids = [item["id"] for item in page["items"]]
    assert ids[:3] == [third["report_id"], second["report_id"], first["report_id"]]
    item = page["items"][1]
    assert item["category_name"] == "服务态度" and item["has_contact"] is True and item["anonymous"] is False
    assert item["point"]["code"] == window.code and item["case_number"] == second["case_number"]
    assert "13600002222" not in json.dumps(page) and "钱多多" not in json.dumps(page, ensure_ascii=False)
    assert page["items"][0]["rating_label"] == "非常不满意" and page["items"][0]["reasons"] == ["态度生硬"]


def test_filters(staff, submit, window):
    submit(window, kind="rating", rating=1)
    bad = submit(window, kind="rating", rating=4, reasons=["long_wait"]).get_json()
    report = _real_name(submit, window)
    inspector = staff("inspector")

    def ids(query):
        response = inspector.get(f"/api/v1/reports?{query}")
        assert response.status_code == 200, response.get_json()
        return [i["id"] for i in response.get_json()["items"]]

    assert report["report_id"] in ids("kind=report") and bad["report_id"] not in ids("kind=report")
    assert ids("kind=rating&rating_min=4")[0] == bad["report_id"]
    assert all(i != bad["report_id"] for i in ids("kind=rating&rating_max=3"))
    assert ids("category=attitude")[0] == report["report_id"]
    assert ids(f"since_id={bad['report_id']}") == [report["report_id"]]
    assert set(ids(f"point_id={window.id}")) >= {bad["report_id"], report["report_id"]}
    assert ids("q=拒收材料")[0] == report["report_id"]
    assert report["report_id"] not in ids("has_case=false")
    assert inspector.get("/api/v1/reports?kind=nope").status_code == 422


def test_scope_decides_who_sees_what(staff, submit, window, county_window):
    city = submit(window, kind="rating", rating=4, reasons=["rude"]).get_json()["report_id"]
    county = submit(county_window, kind="rating", rating=4, reasons=["rude"]).get_json()["report_id"]
    county_inspector = staff("county-inspector")
    seen = [i["id"] for i in county_inspector.get("/api/v1/reports?per_page=200").get_json()["items"]]
    assert county in seen and city not in seen
    assert county_inspector.get(f"/api/v1/reports/{city}").status_code == 404
    assert county_inspector.get(f"/api/v1/reports/{city}/contact").status_code == 404


def test_group_inspector_sees_only_supervised_departments(staff, submit, window):
    group = user("group-inspector").unit
    supervised = {d.id for d in group.supervised_departments}
    report = submit(window, kind="rating", rating=4, reasons=["rude"]).get_json()["report_id"]
    items = staff("group-inspector").get("/api/v1/reports?per_page=200").get_json()["items"]
    assert all(i["department_id"] in supervised for i in items)
    assert (report in [i["id"] for i in items]) == (window.department_id in supervised)


def test_handlers_and_enterprises_do_not_read_reports(staff, submit, window):
    report = _real_name(submit, window)["report_id"]
    for who in ("handler", "enterprise"):
        api = staff(who)
        assert api.get("/api/v1/reports").status_code == 403
        assert api.get(f"/api/v1/reports/{report}").status_code == 403
        assert api.get(f"/api/v1/reports/{report}/contact").status_code == 403


def test_anonymous_callers_get_nothing(anon, submit, window):
    report = _real_name(submit, window)["report_id"]
    assert anon.get("/api/v1/reports").status_code == 401
    assert anon.get(f"/api/v1/reports/{report}/contact").status_code == 401


def test_the_contact_leaves_the_server_only_through_the_audited_reveal(staff, submit, window):
    """Not even masked (surname and 7 of 11 digits) in the list or the detail: those reads are not audited."""
    report = _real_name(submit, window)["report_id"]
    inspector = staff("inspector")
    detail = inspector.get(f"/api/v1/reports/{report}")
    listed = inspector.get("/api/v1/reports?per_page=5")
    for answer in (detail, listed):
        text = answer.get_data(as_text=True)
        assert "钱" not in text and "136****" not in text and "*2222" not in text and "1360000" not in text, text
    body = detail.get_json()
    assert (body["has_contact"], body["anonymous"], body["can_reveal_contact"]) == (True, False, True)
    assert "contact_masked" not in body
    item = next(i for i in listed.get_json()["items"] if i["id"] == report)
    assert (item["has_contact"], item["anonymous"]) == (True, False)

    def reveals():
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "contact_reveal", AuditEvent.target_id == report))

    assert reveals() == 0
    for n in (1, 2):
        response = inspector.get(f"/api/v1/reports/{report}/contact")
        assert response.status_code == 200
        assert response.get_json() == {"report_id": report, "name": "钱多多", "phone": "13600002222"}
        assert reveals() == n
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contact_reveal"))
    assert event.actor_id == user("inspector").id and event.target_type == "reports"
    admin = staff("admin")
    assert admin.get(f"/api/v1/reports/{report}/contact").status_code == 200
    assert reveals() == 3


def test_anonymous_report_has_no_contact_to_reveal(staff, submit, window):
    report = submit(window, kind="report", category="attitude", description="窗口工作人员态度恶劣").get_json()
    response = staff("inspector").get(f"/api/v1/reports/{report['report_id']}/contact")
    assert response.status_code == 404


def test_photos_in_detail_are_served_clean(staff, anon, window):
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (40.0, 39.0, 30.0)}
    response = anon.post("/api/v1/reports", headers={"Idempotency-Key": key()}, data={
        "point_code": window.code, "kind": "report", "category": "illegal_fees", "description": "收费无票据",
        "photos": [(io.BytesIO(image_bytes(size=(3000, 1000), exif=exif)), "a.jpg")]},
        content_type="multipart/form-data")
    report = response.get_json()["report_id"]
    inspector = staff("inspector")
    detail = inspector.get(f"/api/v1/reports/{report}").get_json()
    assert len(detail["photos"]) == 1 and detail["photo_count"] == 1
    photo = inspector.get(detail["photos"][0]["url"])
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(photo.data))
    assert image.size == (2048, 683) and not image.getexif()
    assert staff("county-inspector").get(detail["photos"][0]["url"]).status_code == 404
    assert inspector.get(f"/api/v1/reports/{report}/photos/999999").status_code == 404


def test_embed_snippet_for_website_points(staff, website, window, app):
    admin = staff("admin")
    body = admin.get(f"/api/v1/points/{website.id}/embed-snippet").get_json()
    assert body["snippet"] == (f'<script src="{app.config["PUBLIC_BASE_URL"]}/embed.js" '
                               f'data-code="{website.code}" async></script>')
    assert "http://gov.example.test" in body["allowed_origins"]
    assert admin.get(f"/api/v1/points/{window.id}/embed-snippet").status_code == 422


def test_categories_are_edited_by_admins(staff, anon, submit, window):
    admin = staff("admin")
    anon.get("/api/v1/report-categories")  # the defaults exist
    assert staff("inspector").patch("/api/v1/report-categories/other", json={"active": False}).status_code == 403
    response = admin.patch("/api/v1/report-categories/other", json={"active": False, "name": "其它"})
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert "other" not in [c["code"] for c in anon.get("/api/v1/report-categories").get_json()]
    refused = submit(window, kind="report", category="other", description="窗口工作人员态度恶劣")
    assert refused.status_code == 422
    created = admin.post("/api/v1/report-categories", json={"code": "environment", "name": "办事环境",
                                                           "name_en": "Service environment", "sort": 5})
    assert created.status_code == 201, created.get_json()
    assert anon.get("/api/v1/report-categories").get_json()[0]["code"] == "environment"
    assert admin.post("/api/v1/report-categories", json={"code": "environment", "name": "x"}).status_code == 422
    assert admin.post("/api/v1/report-categories", json={"code": "Bad Code", "name": "x"}).status_code == 422
    assert "environment" in [c["code"] for c in admin.get("/api/v1/report-categories/all").get_json()]
    html = anon.get(f"/q/{window.code}").get_data(as_text=True)
    assert "办事环境" in html and "其它" not in html
