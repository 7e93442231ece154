"""The landing page's outbox where the browser refuses IndexedDB: kept in localStorage and sent after the tab
was closed; where nothing persistent is left, the page tells the truth and asks before it is closed."""
import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect
from sqlalchemy import select

from jiandu.extensions import db
from jiandu.intake.models import Report
from jiandu.org.models import Point

pytestmark = pytest.mark.e2e

NO_INDEXEDDB = "Object.defineProperty(window, 'indexedDB', { get: () => undefined, configurable: true });"
NO_STORAGE = NO_INDEXEDDB + """
Object.defineProperty(window, 'localStorage', { configurable: true,
  get: () => { throw new DOMException('The page may not keep data', 'SecurityError'); } });
"""


@pytest.fixture(scope="module")
def live(live_server, tmp_path_factory):
    config = live_server.app.config
    config["UPLOAD_DIR"] = str(tmp_path_factory.mktemp("storage-uploads"))
    config["INTAKE_DEVICE_LIMIT"] = "100 per minute"
    config["INTAKE_POINT_LIMIT"] = "100 per minute"
    config["INTAKE_ADDRESS_LIMIT"] = "500 per minute"
    return live_server


def window_code(live, offset: int) -> str:
    with live.app.app_context():
        return db.session.scalar(select(Point.code).where(Point.type == "window", Point.active)
                                 .order_by(Point.id).offset(offset).limit(1))


def descriptions_at(live, code: str) -> list[str]:
    with live.app.app_context():
        return list(db.session.scalars(select(Report.description).join(Point, Report.point_id == Point.id)
                                       .where(Point.code == code).order_by(Report.id)))


def report_offline(page: Page, context, code: str, text: str, lang: str = "zh") -> None:
    page.goto(f"/q/{code}" + ("?lang=en" if lang == "en" else ""))
    form = page.locator("form#report")
    form.locator("input[name=category]").first.check(force=True)
    form.locator("textarea[name=description]").fill(text)
    context.set_offline(True)
    form.locator("button[type=submit]").click()


def test_without_indexeddb_a_report_waits_in_localstorage_and_survives_the_closed_tab(live, context, page: Page):
    context.add_init_script(NO_INDEXEDDB)
    code, text = window_code(live, 50), "没有 IndexedDB 时离线提交：窗口无人值守半小时"
    report_offline(page, context, code, text)
    expect(page.locator("#q-text")).to_have_text("已保存在手机上，联网后自动发送")
    assert page.evaluate("Object.keys(localStorage).some(k => k.startsWith('jd:o:'))")
    page.close()  # the tab is closed while offline: the report must outlive it

    context.set_offline(False)
    again = context.new_page()
    again.goto(f"/q/{code}")  # the next visit sends what waited
    expect(again).to_have_url(re.compile(r"/t/[0-9A-Z]{16}\?new=1"))
    assert descriptions_at(live, code) == [text]
    assert not again.evaluate("Object.keys(localStorage).some(k => k.startsWith('jd:o:'))")


@pytest.mark.parametrize("lang, words", [("zh", "无法保存在手机上"), ("en", "Could not be saved on this phone")])
def test_with_nothing_persistent_the_page_tells_the_truth_and_asks_before_closing(live, context, page: Page,
                                                                                    lang, words):
    context.add_init_script(NO_STORAGE)
    code = window_code(live, 52 if lang == "zh" else 54)
    text = f"浏览器不许保存数据时离线提交（{lang}）：办事指南与窗口说法不一致"
    report_offline(page, context, code, text, lang)
    status = page.locator("#q-text")
    expect(status).to_contain_text(words)
    assert "已保存在手机上" not in status.inner_text() and "Saved on this phone" not in status.inner_text()

    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)  # the citizen tries to leave: the browser asks first
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"] and not page.is_closed()

    context.set_offline(False)  # staying on the page, it goes out once the phone is online
    try:
        page.evaluate("window.dispatchEvent(new Event('online'))")
    except PlaywrightError:
        pass  # the browser's own `online` was quicker: the page is already on its way to the receipt
    expect(page).to_have_url(re.compile(r"/t/[0-9A-Z]{16}\?new=1"))
    assert descriptions_at(live, code) == [text]


def test_the_phone_keeps_a_tracking_code_only_while_the_citizen_wants_it(live, page: Page):
    code = window_code(live, 56)
    page.goto(f"/q/{code}")
    form = page.locator("form#report")
    form.locator("input[name=category]").first.check(force=True)
    form.locator("textarea[name=description]").fill("查询码保存在手机上多久，由群众自己决定")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/t/[0-9A-Z]{16}\?new=1"))
    tracking = page.url.split("?")[0]
    shown = page.locator("#tcode").inner_text().strip()
    kept = "JSON.parse(localStorage.getItem('jd:mine') || '[]')"
    assert [e["code"] for e in page.evaluate(kept)] == [shown]  # the receipt keeps its code: the way back
    assert set(page.evaluate(kept)[0]) == {"url", "code", "at"}  # and nothing of what was reported, or where
    expect(page.locator("#keep")).to_have_text("已记住。从这台手机上删除此查询码")

    page.goto(f"/q/{code}")
    mine = page.locator("#mine")
    expect(mine).to_contain_text(shown)
    expect(mine).to_contain_text("查询码只保存在这台手机上")
    mine.get_by_role("button", name="全部删除").click()
    expect(mine).to_be_hidden()
    assert page.evaluate("localStorage.getItem('jd:mine')") is None

    page.goto(tracking)  # opened again from elsewhere: not kept unless asked
    keep = page.locator("#keep")
    expect(keep).to_have_text("在这台手机上记住此查询码")
    assert page.evaluate(kept) == []
    keep.click()
    expect(keep).to_have_text("已记住。从这台手机上删除此查询码")
    assert [e["code"] for e in page.evaluate(kept)] == [shown]


def test_a_rating_saved_offline_arrives_even_after_its_token_went_stale(live, context, page: Page):
    """The page's rating token is good for a while; a rating that waited longer in the outbox is not lost."""
    code = window_code(live, 58)
    config = live.app.config
    saved = {name: config.get(name) for name in ("RATING_TOKEN_SECONDS", "RATING_TOKEN_GRACE_SECONDS")}
    config.update(RATING_TOKEN_SECONDS=0, RATING_TOKEN_GRACE_SECONDS=1)
    try:
        page.goto(f"/q/{code}")
        form = page.locator("form#rate")
        form.get_by_text("不满意", exact=True).click()
        form.get_by_text("等候太久").click()
        context.set_offline(True)
        form.get_by_role("button", name="提交评价").click()
        expect(page.locator("#q-text")).to_have_text("已保存在手机上，联网后自动发送")
        page.wait_for_timeout(2500)  # the phone stays offline past the token's grace
        context.set_offline(False)
        try:
            page.evaluate("window.dispatchEvent(new Event('online'))")
        except PlaywrightError:
            pass
        expect(page).to_have_url(re.compile(r"/t/[0-9A-Z]{16}\?new=1"))  # 不满意 opens a case: its receipt
    finally:
        for name, value in saved.items():
            if value is None:
                config.pop(name)
            else:
                config[name] = value
    with live.app.app_context():
        rows = db.session.execute(select(Report.kind, Report.rating, Report.rating_nonce)
                                  .join(Point, Report.point_id == Point.id).where(Point.code == code)).all()
    assert [(kind, rating) for kind, rating, _ in rows] == [("rating", 4)] and rows[0].rating_nonce
