"""码上监督 in headless Chromium at 360×740: a citizen scans a window's code, rates, reports with a
photo, gets a tracking code and follows it; the same with JavaScript off; a report sent offline
arrives exactly once; the website embed works inside a hostile page and only where it is allowed."""
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from jiandu.extensions import db
from jiandu.intake.models import Report
from jiandu.org.models import Point

pytestmark = pytest.mark.e2e

VIEWPORT = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def intake_live(live_server, tmp_path_factory):
    """The live app with its photos in a temp dir and limits loose enough for one browser run."""
    config = live_server.app.config
    config["UPLOAD_DIR"] = str(tmp_path_factory.mktemp("intake-uploads"))
    config["INTAKE_DEVICE_LIMIT"] = "100 per minute"
    config["INTAKE_POINT_LIMIT"] = "100 per minute"
    config["INTAKE_ADDRESS_LIMIT"] = "500 per minute"
    return live_server


def query(live, statement):
    with live.app.app_context():
        return db.session.scalar(statement)


def windows(live, n: int, offset: int = 0) -> list[str]:
    """Codes of distinct windows (each test its own, so that counts do not mix)."""
    with live.app.app_context():
        return list(db.session.scalars(select(Point.code).where(Point.type == "window", Point.active)
                                       .order_by(Point.id).offset(offset).limit(n)))


def reports_at(live, code: str) -> list[Report]:
    with live.app.app_context():
        rows = db.session.scalars(select(Report).join(Point, Report.point_id == Point.id)
                                  .where(Point.code == code).order_by(Report.id)).all()
        for row in rows:
            _ = row.photos  # load before the session goes
        db.session.expunge_all()
        return rows


@pytest.fixture(scope="module")
def photo_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("photos") / "window.jpg"
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (40.0, 39.0, 30.0)}
    Image.new("RGB", (1200, 900), (120, 160, 200)).save(path, "JPEG", exif=exif)
    return path


def no_horizontal_overflow(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def rate_unsatisfied(page: Page, code: str) -> None:
    page.goto(f"/q/{code}")
    expect(page.locator("h1")).to_contain_text("号窗口")
    expect(page.get_by_text("本码由纪委监委统一发放")).to_be_visible()
    no_horizontal_overflow(page)
    form = page.locator("form#rate")
    form.get_by_text("不满意", exact=True).click()
    form.get_by_text("等候太久").click()
    form.get_by_label("补充说明（可选）").fill("排队一个小时，窗口一直没人")
    form.get_by_role("button", name="提交评价").click()


def report_with_photo(page: Page, code: str, photo_file, text: str) -> None:
    page.goto(f"/q/{code}")
    form = page.locator("form#report")
    form.get_by_text("推诿扯皮").click()
    form.get_by_label("具体情况").fill(text)
    form.locator("input[type=file]").set_input_files(str(photo_file))
    form.get_by_role("button", name="提交反映").click()


def tracking_code(page: Page) -> str:
    expect(page).to_have_url(re.compile(r"/t/[0-9A-Z]{16}\?new=1"))
    expect(page.get_by_text("提交成功，已受理")).to_be_visible()
    code = page.locator("#tcode").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code)
    return code


def open_tracking(page: Page, code: str, text: str) -> None:
    page.goto("/t")
    page.get_by_label("查询码").fill(code.lower())
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_text("办理过程")).to_be_visible()
    expect(page.locator("ol.tl li").first).to_contain_text("已受理")
    expect(page.get_by_text(text)).to_be_visible()


def test_rate_report_track_with_javascript(intake_live, page: Page, photo_file):
    rate_code, report_code = windows(intake_live, 2, offset=10)
    rate_unsatisfied(page, rate_code)
    tracking_code(page)
    [rating] = reports_at(intake_live, rate_code)
    assert (rating.kind, rating.rating, rating.reason_codes, rating.client) == ("rating", 4, ["long_wait"], "web")
    assert rating.case_id

    text = "三个窗口互相推，材料没人收（有照片）"
    page.goto(f"/q/{report_code}")
    form = page.locator("form#report")
    form.get_by_label("具体情况").fill("abc")
    expect(form.locator(".cnt")).to_have_text("3/1000")
    report_with_photo(page, report_code, photo_file, text)
    code = tracking_code(page)
    [report] = reports_at(intake_live, report_code)
    assert report.description == text and len(report.photos) == 1 and report.category == "buck_passing"
    open_tracking(page, code, text)
    # The landing page remembers this phone's reports.
    page.goto(f"/q/{report_code}")
    expect(page.locator("#mine")).to_be_visible()
    expect(page.locator("#mine-list a").first).to_contain_text(code)


def test_rate_report_track_without_javascript(intake_live, browser, photo_file):
    context = browser.new_context(base_url=intake_live.url, viewport=VIEWPORT, locale="zh-CN",
                                  java_script_enabled=False)
    try:
        page = context.new_page()
        rate_code, report_code = windows(intake_live, 2, offset=20)
        rate_unsatisfied(page, rate_code)
        tracking_code(page)
        [rating] = reports_at(intake_live, rate_code)
        assert (rating.rating, rating.client) == (4, "form")

        # A refusal comes back as a page with the message and what was typed.
        page.goto(f"/q/{report_code}")
        form = page.locator("form#report")
        form.get_by_text("吃拿卡要").click()
        form.get_by_label("实名反映").check()
        form.get_by_label("具体情况").fill("要求请吃饭才给办")
        form.get_by_label("姓名").fill("王小明")
        form.get_by_label("手机号").fill("1380013")
        form.get_by_role("button", name="提交反映").click()
        expect(page.get_by_text("请填写正确的 11 位手机号")).to_be_visible()
        expect(page.locator("form#report textarea")).to_have_value("要求请吃饭才给办")
        assert reports_at(intake_live, report_code) == []

        text = "窗口让我去隔壁，隔壁又让我回来"
        report_with_photo(page, report_code, photo_file, text)
        code = tracking_code(page)
        [report] = reports_at(intake_live, report_code)
        assert report.client == "form" and len(report.photos) == 1
        open_tracking(page, code, text)
    finally:
        context.close()


def test_offline_report_waits_and_arrives_exactly_once(intake_live, context, page: Page):
    [code] = windows(intake_live, 1, offset=30)
    text = "离线时提交的反映：窗口人员中途离岗四十分钟"
    page.goto(f"/q/{code}")
    form = page.locator("form#report")
    form.get_by_text("办事效率/超时").click()
    form.get_by_label("具体情况").fill(text)

    # Nothing typed is lost on a reload, even one right after typing.
    page.reload()
    expect(form.get_by_label("具体情况")).to_have_value(text)
    expect(form.get_by_label("办事效率/超时")).to_be_checked()

    context.set_offline(True)
    form.get_by_role("button", name="提交反映").click()
    expect(page.locator("#q-text")).to_have_text("已保存在手机上，联网后自动发送")
    assert reports_at(intake_live, code) == []
    page.locator("#q-retry").click()  # still offline: nothing happens, nothing is lost
    expect(page.locator("#q-text")).to_contain_text("已保存在手机上")
    assert reports_at(intake_live, code) == []

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online')); window.dispatchEvent(new Event('online'))")
    tracking_code(page)
    page.wait_for_timeout(500)
    reports = reports_at(intake_live, code)
    assert len(reports) == 1 and reports[0].description == text
    # A replay from the outbox (as from another tab) is answered, not stored again.
    outbox = page.evaluate("""() => new Promise(resolve => {
        const open = indexedDB.open('jiandu-intake', 1);
        open.onsuccess = () => { const r = open.result.transaction('outbox').objectStore('outbox').count();
                                 r.onsuccess = () => resolve(r.result); };
    })""")
    assert outbox == 0


HOSTILE_CSS = """
  * { font-size: 40px !important; color: lime !important; background: black !important; }
  div, button, iframe, jiandu-embed { display: none !important; opacity: 0 !important;
    width: 1px !important; height: 1px !important; position: static !important; }
  body > * { visibility: hidden !important; transform: scale(0.1) !important; }
"""


@pytest.fixture(scope="module")
def government_site(intake_live):
    """Another origin (another port on this machine) serving a government page that embeds the button.

    Its CSS is hostile on purpose. Both servers are on the loopback address, so Chromium's
    private-network rules see an ordinary cross-origin page, as a real government site would be."""
    with intake_live.app.app_context():
        code = db.session.scalar(select(Point.code).where(Point.type == "website").order_by(Point.id))
    page_html = (f'<!doctype html><html><head><meta charset="utf-8"><title>某局门户网站</title>'
                 f'<style>{HOSTILE_CSS}</style></head><body><h1>政务公开</h1><p>办事指南……</p>'
                 f'<script src="{intake_live.url}/embed.js" data-code="{code}"></script></body></html>')

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = page_html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"code": code, "registered": f"http://127.0.0.1:{server.server_port}",
               "unregistered": f"http://localhost:{server.server_port}"}
    finally:
        server.shutdown()


def register_origin(live, code: str, origin: str) -> None:
    with live.app.app_context():
        point = db.session.scalar(select(Point).where(Point.code == code))
        point.allowed_origins = f"https://www.baotou.gov.cn\n{origin}"
        db.session.commit()


def click_host(page: Page) -> dict:
    host = page.locator("jiandu-embed")
    expect(host).to_be_attached()
    box = host.bounding_box()
    assert box and 60 <= box["width"] <= 250 and 30 <= box["height"] <= 90, box
    assert box["x"] + box["width"] <= 360 and box["y"] + box["height"] <= 740
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    return box


def frame_of(page: Page, code: str):
    for _ in range(100):
        frame = next((f for f in page.frames if f"/q/{code}" in f.url), None)
        if frame is not None:
            return frame
        page.wait_for_timeout(100)
    raise AssertionError("no intake frame")


def test_embed_in_a_hostile_page_records_the_site(intake_live, government_site, page: Page):
    code, origin = government_site["code"], government_site["registered"]
    register_origin(intake_live, code, origin)
    page.goto(f"{origin}/zwgk/index.html")
    click_host(page)
    frame = frame_of(page, code)
    frame.wait_for_selector("form#report")
    assert page.locator("jiandu-embed").bounding_box()["width"] >= 350  # the panel fills the phone
    text = "网站上的办事指南还是去年的版本"
    form = frame.locator("form#report")
    form.get_by_text("政策不落实").click()
    form.get_by_label("具体情况").fill(text)
    expect(form.locator(".cnt")).to_have_text(f"{len(text)}/1000")
    form.get_by_role("button", name="提交反映").click()
    frame.wait_for_url(re.compile(r"/t/[0-9A-Z]{16}\?new=1"))
    frame.wait_for_selector("text=提交成功")
    [report] = [r for r in reports_at(intake_live, code) if r.description == text]
    assert report.origin_site == origin and report.origin_page == f"{origin}/zwgk/index.html"
    assert report.channel == "website"


def test_embed_refused_on_an_unregistered_site(intake_live, government_site, context):
    code, evil = government_site["code"], government_site["unregistered"]
    register_origin(intake_live, code, government_site["registered"])
    page = context.new_page()  # not the `page` fixture: the refusal is a (wanted) CSP report
    answers = []
    page.on("response", lambda r: answers.append(r) if f"/q/{code}" in r.url else None)
    before = query(intake_live, select(func.count()).select_from(Report))
    page.goto(f"{evil}/bszn.html")
    click_host(page)
    page.wait_for_timeout(1500)
    assert len(page.frames) == 2, "the iframe was made"
    assert answers and evil not in answers[0].headers["content-security-policy"]
    for frame in page.frames[1:]:  # the browser refused to show it: no form in there
        assert f"/q/{code}" not in frame.url or frame.locator("form#report").count() == 0
    assert query(intake_live, select(func.count()).select_from(Report)) == before
    page.close()


def test_inspector_sees_reports_arrive_with_photos_and_a_logged_contact(intake_live, page: Page, photo_file, anon_post):
    [code] = windows(intake_live, 1, offset=40)
    first = anon_post(code, "窗口工作人员让我找熟人帮忙才给办", photo_file, real_name=True)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"#/login"))
    page.get_by_label("用户名").fill("inspector")
    page.locator("#login-form").get_by_label("密码").fill("jiandu-demo")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
    page.goto("/#/reports")
    cards = page.locator(".report-card")
    expect(cards.first).to_contain_text("窗口工作人员让我找熟人帮忙才给办")
    no_horizontal_overflow(page)
    cards.first.locator("summary").click()
    photo = cards.first.locator(".report-photos img")
    expect(photo).to_have_count(1)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    expect(cards.first).to_contain_text("联系方式已加密保存")  # not even masked before the audited reveal
    # Not even masked (138****8000) before the audited reveal; a case number like JD2028000… is no phone.
    expect(cards.first).not_to_contain_text("****")
    expect(cards.first).not_to_contain_text("13800138000")
    page.get_by_role("button", name="查看实名联系方式").click()
    page.get_by_role("button", name="确定").click()
    expect(cards.first.get_by_role("link", name="13800138000")).to_be_visible()

    # A new report while the screen is open appears behind a "新到" button (the screen polls every
    # 30 s and whenever it becomes visible again; the test makes it visible "again" at once).
    anon_post(code, "刚刚又发生了一次推诿", None)
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    fresh = page.get_by_role("button", name=re.compile("新到 1 条"))
    expect(fresh).to_be_visible()
    fresh.click()
    expect(cards.first).to_contain_text("刚刚又发生了一次推诿")
    assert first["case_id"]


@pytest.fixture
def anon_post(intake_live):
    """A report sent to the live server as the landing page's script sends it."""
    import http.client
    import json
    import uuid
    from urllib.parse import urlparse

    def post(code, text, photo, real_name=False):
        target = urlparse(intake_live.url)
        boundary = uuid.uuid4().hex
        fields = {"point_code": code, "kind": "report", "category": "extortion", "description": text}
        if real_name:
            fields.update(anonymous="0", name="王小明", phone="13800138000")
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                 for k, v in fields.items()]
        if photo is not None:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="a.jpg"\r\n'
                         f'Content-Type: image/jpeg\r\n\r\n'.encode() + photo.read_bytes() + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
        connection.request("POST", "/api/v1/reports", body=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "Idempotency-Key": uuid.uuid4().hex,
            "X-Jiandu-Device": uuid.uuid4().hex})
        response = connection.getresponse()
        answer = json.loads(response.read())
        assert response.status == 201, answer
        return answer

    return post
