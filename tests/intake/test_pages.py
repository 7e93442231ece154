"""The landing page (/q/<code>) and its no-JavaScript forms; the tracking page; the embed."""
import base64
import gzip
import hashlib
import io
import re

from sqlalchemy import create_engine, func, select

from jiandu.cases.models import Case
from jiandu.extensions import db
from jiandu.intake import cache, points
from jiandu.intake.models import Report
from jiandu.org.models import Point
from tests.intake.conftest import image_bytes, key, page_rating_token

LIMIT_GZIP = 14 * 1024


def test_landing_names_the_point_plainly(anon, window):
    response = anon.get(f"/q/{window.code}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert window.hall.name in html and f"{window.number} 号窗口" in html and window.name in html
    assert window.department.name in html and window.jurisdiction.name in html
    assert "码上监督" in html and 'lang="zh-CN"' in html
    for level in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert level in html
    for category in ("服务态度", "办事效率/超时", "吃拿卡要", "推诿扯皮", "乱收费", "政策不落实", "其他"):
        assert category in html
    assert "诬告陷害" in html


def test_landing_first_paint_is_one_small_request(anon, window):
    response = anon.get(f"/q/{window.code}")
    html = response.get_data(as_text=True)
    assert len(gzip.compress(response.data)) <= LIMIT_GZIP
    assert "<link" not in html and "@font-face" not in html and "@import" not in html
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts and all("defer" in s and 'src="/' in s for s in scripts)
    assert not re.search(r'(src|href)="https?://', html)  # nothing from elsewhere
    # The inline CSS is allowed by its hash, and nothing else inline is.
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    csp = response.headers["Content-Security-Policy"]
    assert f"'sha256-{digest}'" in csp and "unsafe-inline" not in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert ' style="' not in html
    assert response.headers["Cache-Control"] == "no-store"
    assert "jd_device=" in response.headers.get("Set-Cookie", "")


def test_landing_script_is_served_and_cached_by_version(anon, window):
    html = anon.get(f"/q/{window.code}").get_data(as_text=True)
    src = re.search(r'<script src="([^"]+)"', html).group(1)
    response = anon.get(src)
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert "immutable" in response.headers["Cache-Control"]
    assert anon.get("/intake/static/nothing.js").status_code == 404


def test_landing_in_english(anon, window):
    html = anon.get(f"/q/{window.code}?lang=en").get_data(as_text=True)
    assert 'lang="en"' in html and "Very dissatisfied" in html and "Staff attitude" in html
    assert f"Window {window.number}" in html
    assert 'name="lang" value="en"' in html


def test_code_typed_in_lower_case_redirects_to_the_canonical_page(anon, window):
    response = anon.get(f"/q/{window.code.lower()}")
    assert response.status_code == 301 and response.headers["Location"].endswith(f"/q/{window.code}")


def test_unknown_code_offers_the_general_channel(anon, app):
    response = anon.get("/q/ZZZZZZZZZ")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "无法使用" in html and app.config["COMMISSION_HOTLINE"] in html and "12388" in html
    assert "Traceback" not in html


def test_deactivated_code_says_so(anon, window):
    window.active = False
    db.session.commit()
    response = anon.get(f"/q/{window.code}")
    assert response.status_code == 410 and "停用" in response.get_data(as_text=True)


def test_code_entry_page(anon, window):
    assert anon.get("/q").status_code == 200
    response = anon.get(f"/q?code={window.code.lower()}")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/q/{window.code}")


def _form(kind, **fields):
    return {"kind": kind, "idem": key(), "homepage": "", **fields}


def test_no_js_bad_rating_redirects_to_the_receipt(anon, window):
    data = _form("rating", rating="4", reasons=["rude"], description="窗口工作人员一直在玩手机",
                 rating_token=page_rating_token(anon, window))
    response = anon.post(f"/q/{window.code}", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.search(r"/t/[0-9A-Z]{16}\?new=1$", location)
    receipt = anon.get(location)
    html = receipt.get_data(as_text=True)
    assert receipt.status_code == 200 and "提交成功" in html and "已受理" in html
    assert "窗口工作人员一直在玩手机" in html
    assert receipt.headers["Referrer-Policy"] == "no-referrer"
    # The form sent twice (a double tap, a reload of the POST): the same receipt, one report.
    before = db.session.scalar(select(func.count()).select_from(Report))
    again = anon.post(f"/q/{window.code}", data=data, content_type="multipart/form-data")
    assert again.status_code == 303 and again.headers["Location"] == location
    assert db.session.scalar(select(func.count()).select_from(Report)) == before


def test_no_js_good_rating_thanks(anon, window):
    data = _form("rating", rating="1", rating_token=page_rating_token(anon, window))
    response = anon.post(f"/q/{window.code}", data=data, content_type="multipart/form-data")
    assert response.status_code == 303 and response.headers["Location"].endswith("?thanks=1")
    assert "感谢您的评价" in anon.get(response.headers["Location"]).get_data(as_text=True)


def test_no_js_report_with_photo(anon, window, _uploads):
    data = _form("report", category="illegal_fees", description="收取了没有依据的资料费 50 元",
                 anonymous="0", name="李华", phone="13912345678",
                 photos=[(io.BytesIO(image_bytes()), "receipt.jpg")])
    response = anon.post(f"/q/{window.code}", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    report = db.session.scalar(select(Report).order_by(Report.id.desc()))
    assert report.client == "form" and len(report.photos) == 1 and not report.anonymous
    assert report.case.category == "illegal_fees"


def test_no_js_refusal_shows_messages_and_keeps_what_was_typed(anon, window):
    before = db.session.scalar(select(func.count()).select_from(Case))
    data = _form("report", category="attitude", description="差", anonymous="0", name="李华", phone="123")
    response = anon.post(f"/q/{window.code}", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "请至少写" in html and "11 位手机号" in html and "请修改标注的内容" in html
    assert 'value="李华"' in html and ">差</textarea>" in html and 'id="anon-0" checked' in html
    assert db.session.scalar(select(func.count()).select_from(Case)) == before


def test_no_js_form_never_echoes_html(anon, window):
    data = _form("report", category="attitude", description="<script>alert(1)</script>",
                 name="<img src=x>", anonymous="0", phone="1")
    html = anon.post(f"/q/{window.code}", data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x>" not in html
    assert "&lt;script&gt;" in html


def test_no_js_same_key_other_content_is_a_conflict_page(anon, window):
    data = _form("rating", rating="2", rating_token=page_rating_token(anon, window))
    anon.post(f"/q/{window.code}", data=data, content_type="multipart/form-data")
    data["rating"] = "3"
    response = anon.post(f"/q/{window.code}", data=data, content_type="multipart/form-data")
    assert response.status_code == 409 and "已经提交过一次" in response.get_data(as_text=True)


def test_tracking_lookup(anon, submit, window):
    token = submit(window, kind="report", category="attitude", description="工作人员态度很差").get_json()[
        "tracking_code"]
    response = anon.get(f"/t?code={token.lower()}")
    assert response.status_code == 303
    assert anon.get(response.headers["Location"]).status_code == 200
    assert anon.get("/t/AAAABBBBCCCCDDDD").status_code == 404
    assert anon.get("/t/short").status_code == 404
    assert anon.get("/t").status_code == 200


def test_embed_script_is_served(anon):
    response = anon.get("/embed.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert "attachShadow" in response.get_data(as_text=True)


def test_only_registered_origins_may_frame_a_website_point(anon, website, window):
    csp = anon.get(f"/q/{website.code}?embed=1&origin=http://gov.example.test").headers["Content-Security-Policy"]
    assert "frame-ancestors https://www.baotou.gov.cn http://gov.example.test" in csp
    assert "frame-ancestors 'none'" in anon.get(f"/q/{window.code}?embed=1").headers["Content-Security-Policy"]
    html = anon.get(f"/q/{website.code}?embed=1&origin=http://gov.example.test&page=http://gov.example.test/a"
                    ).get_data(as_text=True)
    assert 'name="origin" value="http://gov.example.test"' in html
    html = anon.get(f"/q/{website.code}?embed=1&origin=https://evil.example").get_data(as_text=True)
    assert 'name="origin"' not in html


def test_website_origins_cannot_inject_into_the_policy(anon, website):
    website.allowed_origins = "https://ok.example\nhttps://x.example; script-src *\n'unsafe-inline'"
    db.session.commit()
    csp = anon.get(f"/q/{website.code}").headers["Content-Security-Policy"]
    assert csp.endswith("frame-ancestors https://ok.example") and "script-src *" not in csp


def test_embed_form_post_records_the_site(anon, website):
    data = _form("report", category="other", description="网站上的办事指南已经过期", origin="http://gov.example.test",
                 page="http://gov.example.test/bszn/1.html")
    response = anon.post(f"/q/{website.code}?embed=1", data=data, content_type="multipart/form-data")
    assert response.status_code == 303 and "embed=1" in response.headers["Location"]
    report = db.session.scalar(select(Report).order_by(Report.id.desc()))
    assert report.origin_site == "http://gov.example.test" and report.channel == "website"
    receipt = anon.get(response.headers["Location"])
    assert "frame-ancestors https://www.baotou.gov.cn http://gov.example.test" in receipt.headers[
        "Content-Security-Policy"]


def test_cached_landing_page_still_has_fresh_keys_and_follows_edits(anon, app, window, monkeypatch, staff):
    monkeypatch.setitem(app.config, "INTAKE_PAGE_CACHE_SECONDS", 30)
    first = anon.get(f"/q/{window.code}").get_data(as_text=True)
    second = anon.get(f"/q/{window.code}")
    html = second.get_data(as_text=True)
    keys = lambda page: re.findall(r'name="idem" value="([^"]+)"', page)  # noqa: E731
    assert len(keys(first)) == len(keys(html)) == 2 and not set(keys(first)) & set(keys(html))
    assert "\x00" not in html and second.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert cache.pages.get((window.code, "zh", False, window.version)) is not None
    # An edit of the categories through this app shows at once; other edits within the cache's time.
    staff("admin").patch("/api/v1/report-categories/other", json={"name": "其它问题"})
    assert "其它问题" in anon.get(f"/q/{window.code}").get_data(as_text=True)
    # An edit of the point itself (which bumps its version) shows at once, in every process.
    assert staff("admin").patch(f"/api/v1/points/{window.id}", json={"name": "改名后的窗口"}).status_code == 200
    assert "改名后的窗口" in anon.get(f"/q/{window.code}").get_data(as_text=True)
    # So does its deactivation: a cached page is never served for an inactive point.
    assert staff("admin").patch(f"/api/v1/points/{window.id}", json={"active": False}).status_code == 200
    assert 'name="idem"' not in anon.get(f"/q/{window.code}").get_data(as_text=True)


def test_cached_page_never_serves_embed_or_error_variants(anon, app, website, monkeypatch):
    monkeypatch.setitem(app.config, "INTAKE_PAGE_CACHE_SECONDS", 30)
    anon.get(f"/q/{website.code}?embed=1&origin=http://gov.example.test")
    assert len(cache.pages.items) == 0
    plain = anon.get(f"/q/{website.code}").get_data(as_text=True)
    assert 'name="origin"' not in plain


def test_the_landing_pages_stamp_read_outside_the_session_finds_the_point(app):
    """point_stamp reads on a pooled DB-API connection of the app's engine (in these tests the session is
    bound to one connection, so it reads there): that path, on this database, on its own."""
    point = db.session.scalar(select(Point).where(Point.type == "window", Point.active.is_(True)))
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        row = points._read_one(engine, points._STAMP_LOOKUP, {"code": point.code})
        assert (row[0], bool(row[1])) == (point.version, True)
        assert points._read_one(engine, points._STAMP_LOOKUP, {"code": "NOSUCHCODE"}) is None
    finally:
        engine.dispose()


def test_a_made_up_device_cookie_is_replaced_by_one_the_server_signs(anon, window):
    anon.set_cookie("jd_device", "device-made-up-by-the-client", domain="localhost")
    response = anon.get(f"/q/{window.code}")
    given = anon.get_cookie("jd_device").value
    assert given != "device-made-up-by-the-client" and re.fullmatch(r"[\w-]{22}\.[\w-]{22}", given)
    assert f'data-device="{given}"' in response.get_data(as_text=True)
    assert "HttpOnly" in response.headers["Set-Cookie"] and "SameSite=Lax" in response.headers["Set-Cookie"]
    anon.get(f"/q/{window.code}")
    assert anon.get_cookie("jd_device").value == given  # kept while it is the server's own
