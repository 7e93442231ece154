"""The PWA shell in headless Chromium at 360×740: sign in, manage a point, sign out; the manifest;
the service worker; offline start; login errors in Chinese."""
import re
import uuid

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

PASSWORD = "jiandu-demo"
CITY_HALL = "包头市政务服务中心"


def sign_in(page: Page, username: str = "admin", password: str = PASSWORD) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"#/login"))
    page.get_by_label("用户名").fill(username)
    page.locator("#login-form").get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def choose_hall(form) -> None:
    """The city's hall if the demo has it, else the first hall."""
    hall = form.get_by_label("所属大厅")
    expect(hall.locator("option").nth(1)).to_be_attached()
    names = hall.locator("option").all_inner_texts()
    hall.select_option(label=CITY_HALL if CITY_HALL in names else names[1])


def no_horizontal_overflow(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide at a 360px viewport"


def test_admin_creates_a_window_finds_it_and_signs_out(page: Page):
    sign_in(page)
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
    expect(page.get_by_text("管理员", exact=True)).to_be_visible()

    page.locator("#tabbar").get_by_role("link", name="点位管理").click()
    expect(page).to_have_url(re.compile(r"#/points$"))
    expect(page.locator(".view-title")).to_have_text("点位管理")
    expect(page.locator(".point-card").first).to_be_visible()
    no_horizontal_overflow(page)

    page.get_by_role("link", name="新建点位").click()
    expect(page.locator(".view-title")).to_have_text("新建点位")
    no_horizontal_overflow(page)
    form = page.locator("#point-form")
    expect(form.get_by_label("类型")).to_have_value("window")
    choose_hall(form)
    department = form.get_by_label("进驻部门")
    expect(department.locator("option").nth(1)).to_be_attached()
    department.select_option(index=1)
    form.get_by_label("窗口号").fill("9999")
    form.get_by_label("名称").fill("测试窗口")
    page.get_by_role("button", name="保存").click()

    # Back on the list; search for the new window by name.
    expect(page).to_have_url(re.compile(r"#/points\?q="))
    search = page.get_by_role("searchbox", name="搜索")
    search.fill("测试窗口")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"#/points\?q=%E6%B5%8B"))
    card = page.locator(".point-card", has_text="测试窗口")
    expect(card).to_have_count(1)
    expect(card.locator(".number")).to_have_text("9999")
    expect(card).to_contain_text(re.compile(r"[2-9A-HJ-NP-Z]{9}"))  # its supervision code
    no_horizontal_overflow(page)

    # The same number again in the same hall is refused under the number field; the form keeps its values.
    page.get_by_role("link", name="新建点位").click()
    form = page.locator("#point-form")
    choose_hall(form)
    form.get_by_label("进驻部门").select_option(index=1)
    form.get_by_label("窗口号").fill("9999")
    form.get_by_label("名称").fill("重复的窗口")
    page.get_by_role("button", name="保存").click()
    number_error = form.locator('.field[data-field="number"] .field-error')
    expect(number_error).to_contain_text("9999")
    expect(form.get_by_label("名称")).to_have_value("重复的窗口")
    expect(form.get_by_label("窗口号")).to_have_value("9999")

    page.locator("#tabbar").get_by_role("button", name="菜单").click()
    page.locator("#menu").get_by_role("link", name="我的账号").click()
    expect(page.locator("#menu")).to_be_hidden()
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"#/login"))
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    expect(page.locator("#tabbar")).to_be_hidden()
    # Signed out on the server too: the API refuses.
    status = page.evaluate("fetch('/api/v1/me').then(r => r.status)")
    assert status == 401


def test_wrong_password_shows_the_chinese_error(page: Page):
    sign_in(page, "admin", "not-the-password")
    alert = page.locator(".form-alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("用户名或密码不正确")
    expect(page.get_by_label("用户名")).to_have_value("admin")
    expect(page).to_have_url(re.compile(r"#/login"))


def test_too_many_failed_logins_show_the_throttling_message(page: Page, live_server):
    # The counts live in the shared Redis, where another test session may reset them at any
    # moment: keep trying (as a person would) until the server refuses, then look at the screen.
    username = f"nobody-{uuid.uuid4().hex[:8]}"
    attempts = live_server.app.config["LOGIN_ATTEMPTS_PER_15_MIN"]
    page.goto("/")
    page.get_by_label("用户名").fill(username)
    page.locator("#login-form").get_by_label("密码").fill("wrong-password")
    statuses = []
    for _ in range(attempts * 3):
        with page.expect_response(lambda r: r.url.endswith("/api/v1/auth/login")) as answer:
            page.get_by_role("button", name="登录").click()
        statuses.append(answer.value.status)
        if statuses[-1] == 429:
            break
    assert statuses[-1] == 429 and set(statuses[:-1]) == {401}, statuses
    alert = page.locator(".form-alert")
    expect(alert).to_contain_text("登录失败次数过多")
    expect(page.get_by_label("用户名")).to_have_value(username)


def test_manifest_has_the_icons(page: Page):
    page.goto("/")
    assert page.locator('link[rel="manifest"]').get_attribute("href") == "/manifest.webmanifest"
    response = page.request.get("/manifest.webmanifest")
    assert response.ok
    manifest = response.json()
    assert manifest["short_name"] == "监督"
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    for size in ("192x192", "512x512"):
        assert (size, "any") in sizes and (size, "maskable") in sizes
    for icon in manifest["icons"]:
        image = page.request.get(icon["src"])
        assert image.ok and image.headers["content-type"] == "image/png", icon


def test_service_worker_controls_the_page_and_serves_the_shell_offline(page: Page, context):
    page.goto("/")
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    version = page.evaluate("""async () => {
        const registration = await navigator.serviceWorker.ready;
        return registration.active.scriptURL;
    }""")
    assert version.endswith("/sw.js")
    page.reload()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    assert page.evaluate("navigator.serviceWorker.controller !== null")

    # The precache holds the whole shell and nothing from the API.
    cached = page.evaluate("""async () => {
        const names = (await caches.keys()).filter(n => n.startsWith('jiandu-shell-'));
        const cache = await caches.open(names[0]);
        return {names, urls: (await cache.keys()).map(r => new URL(r.url).pathname)};
    }""")
    assert len(cached["names"]) == 1
    assert {"/", "/app/js/app.js", "/app/css/base.css", "/app/icons/icon-192.png"} <= set(cached["urls"])
    assert not [url for url in cached["urls"] if url.startswith("/api/")]

    # Offline, the app still starts from the cache and says it is offline.
    context.set_offline(True)
    try:
        page.reload()
        expect(page.get_by_role("button", name="登录")).to_be_visible()
        expect(page.locator("#banner-offline")).to_contain_text("离线")
    finally:
        context.set_offline(False)
    expect(page.locator("#banner-offline")).to_have_count(0)


def test_a_new_version_is_offered_and_taken_on_tap(page: Page, monkeypatch):
    from jiandu.web import assets

    shell_caches = "caches.keys().then(names => names.filter(n => n.startsWith('jiandu-shell-')))"
    page.goto("/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    before = page.evaluate(shell_caches)
    assert len(before) == 1

    # The server now has a new version: a new precache version makes a new /sw.js.
    current = assets.precache_manifest
    monkeypatch.setattr(assets, "precache_manifest",
                        lambda stamp: {**current(stamp), "version": "next" + current(stamp)["version"]})
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    offer = page.get_by_role("button", name="有新版本，点击刷新")
    expect(offer).to_be_visible()
    with page.expect_event("load"):
        offer.click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    expect(page.get_by_role("button", name="有新版本，点击刷新")).to_have_count(0)
    after = page.evaluate(shell_caches)
    assert len(after) == 1 and after != before  # the old version's cache is gone


def test_language_toggle_switches_to_english_and_back(page: Page):
    page.goto("/")
    page.get_by_role("button", name="Switch to English").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.get_by_role("button", name="切换到中文").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
