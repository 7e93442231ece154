"""The closed loop in headless Chromium at 360×740, all through the screens people use: a citizen
reports at a window of the market-supervision bureau; the inspector finds the case in the ledger,
registers it and assigns it to the bureau; the bureau's handler signs for it and answers with a
photo; the inspector checks the answer; the citizen reads the reply on the tracking page and
answers the return visit; the case is closed, in the ledger and in the API. Then the ledger as
printed, and as it looks on a phone and on a desktop."""
from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from jiandu.extensions import db
from jiandu.org.models import Point, Unit, User
from tests.e2e.signing import sign_in

pytestmark = pytest.mark.e2e

VIEWPORT = {"width": 360, "height": 740}
DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def cases_live(live_server, tmp_path_factory):
    """The live app with uploads in a temp dir and intake limits loose enough for one browser run."""
    config = live_server.app.config
    config["UPLOAD_DIR"] = str(tmp_path_factory.mktemp("case-uploads"))
    config["INTAKE_DEVICE_LIMIT"] = "100 per minute"
    config["INTAKE_POINT_LIMIT"] = "100 per minute"
    config["INTAKE_ADDRESS_LIMIT"] = "500 per minute"
    return live_server


@pytest.fixture(scope="module")
def png_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("answer") / "整改现场.png"
    image = Image.new("RGB", (320, 240), (40, 120, 80))
    for x in range(0, 320, 40):
        for y in range(0, 240, 40):
            image.paste((230, 230, 230), (x, y, x + 20, y + 20))
    image.save(path, "PNG")
    return path


def new_page(browser, live, **extra) -> tuple[BrowserContext, Page, list[str]]:
    """A fresh person at a fresh phone: own cookies; script errors collected."""
    context = browser.new_context(base_url=live.url, viewport=VIEWPORT, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", **extra)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.on("console", lambda message: errors.append(f"console: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text else None)
    return context, page, errors


def open_from_menu(page: Page, name: str) -> None:
    page.locator("#tabbar").get_by_role("button", name="菜单").click()
    page.locator("#menu").get_by_role("link", name=name).click()
    expect(page.locator("#menu")).to_be_hidden()


def no_horizontal_overflow(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide at {page.viewport_size['width']}px"


def handler_window(live) -> tuple[str, str]:
    """A window staffed by the demo handler's department: (its code, the department's name)."""
    with live.app.app_context():
        handler = db.session.scalar(select(User).where(User.username == "handler"))
        department = db.session.get(Unit, handler.unit_id)
        code = db.session.scalar(select(Point.code).where(Point.department_id == department.id,
                                                          Point.type == "window", Point.active)
                                 .order_by(Point.id.desc()))
        return code, department.name


def act(page: Page, action: str, button: str, state_after: str) -> None:
    """Send the form of one move on the case screen; wait for the screen to show the new state."""
    form = page.locator(f"form.case-action[data-action='{action}']")
    form.get_by_role("button", name=button).click()
    expect(page.locator(".case-facts .state")).to_have_text(state_after)


def test_a_report_goes_round_the_closed_loop(cases_live, browser, png_file):
    live = cases_live
    code, department = handler_window(live)
    text = f"窗口让我去隔壁，隔壁又让我回来，来回三趟 {uuid.uuid4().hex[:6]}"
    result = "已约谈窗口负责人，明确首问负责制，当场为群众办结"
    contexts = []
    try:
        # --- the citizen reports at the window, and keeps the tracking link --------------------
        citizen_context, citizen, citizen_errors = new_page(browser, live)
        contexts.append(citizen_context)
        citizen.goto(f"/q/{code}")
        form = citizen.locator("form#report")
        form.get_by_text("推诿扯皮").click()
        form.get_by_label("具体情况").fill(text)
        form.get_by_role("button", name="提交反映").click()
        expect(citizen).to_have_url(re.compile(r"/t/[0-9A-Z]{16}\?new=1"))
        expect(citizen.get_by_text("提交成功，已受理")).to_be_visible()
        tracking_path = re.search(r"/t/[0-9A-Z]{16}", citizen.url).group(0)

        # --- the inspector finds it in the ledger, registers and assigns it ---------------------
        inspector_context, inspector, inspector_errors = new_page(browser, live)
        contexts.append(inspector_context)
        sign_in(inspector, "inspector")
        open_from_menu(inspector, "案件台账")
        expect(inspector.locator(".view-title")).to_have_text("案件台账")
        no_horizontal_overflow(inspector)
        search = inspector.get_by_role("searchbox", name="编号或内容")
        search.fill(text[-6:])
        search.press("Enter")
        card = inspector.locator(".case-card", has_text=text)
        expect(card).to_have_count(1)
        expect(card).to_contain_text("已受理")
        expect(card).to_contain_text("推诿扯皮")  # the category's name, not its code
        no_horizontal_overflow(inspector)
        card.click()
        expect(inspector).to_have_url(re.compile(r"#/cases/\d+$"))
        case_id = int(inspector.url.rsplit("/", 1)[1])
        expect(inspector.locator(".case-facts .state")).to_have_text("已受理")
        expect(inspector.locator(".case-summary")).to_contain_text(text)
        no_horizontal_overflow(inspector)

        register = inspector.locator("form.case-action[data-action='register']")
        register.get_by_label("类型").select_option(label="作风效能")
        expect(register.get_by_label("类别")).to_have_value("推诿扯皮")  # as the citizen chose, by its name
        register.get_by_label("严重程度").select_option(label="较重")
        act(inspector, "register", "建账", "已建账")

        assign = inspector.locator("form.case-action[data-action='assign']")
        assign.get_by_label("承办单位").select_option(label=department)
        act(inspector, "assign", "转办", "已转办")
        expect(inspector.locator(".case-facts")).to_contain_text(department)
        number = inspector.locator(".view-title").inner_text().strip()
        assert re.fullmatch(r"JD\d{11}", number)
        no_horizontal_overflow(inspector)

        # --- the handler sees it in the inbox, signs for it and answers with a photo ------------
        handler_context, handler, handler_errors = new_page(browser, live)
        contexts.append(handler_context)
        sign_in(handler, "handler")
        handler.locator("#tabbar").get_by_role("link", name="待办案件").click()
        to_sign = handler.locator(".inbox-section[data-section='to-sign']")
        handler_card = to_sign.locator(".case-card", has_text=number)
        expect(handler_card).to_be_visible()
        no_horizontal_overflow(handler)
        handler_card.click()
        expect(handler.locator(".case-facts .state")).to_have_text("已转办")
        act(handler, "sign", "签收", "已签收")

        answer = handler.locator("form.case-action[data-action='answer']")
        answer.get_by_label("办理结果").fill(result)
        answer.get_by_label("整改措施").fill("窗口实行首问负责制，每周通报")
        answer.get_by_label("照片或文件").set_input_files(str(png_file))
        act(handler, "answer", "反馈", "已反馈")
        attachment = handler.locator(".case-attachments a", has_text="整改现场")
        expect(attachment).to_be_visible()
        expect(handler.locator(".case-history")).to_contain_text(result)
        no_horizontal_overflow(handler)
        picture = handler_context.request.get(attachment.get_attribute("href"))
        # Re-encoded without metadata: an opaque PNG photo is stored as a JPEG, and named so.
        assert picture.ok and picture.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(picture.body())).size == (320, 240)
        expect(attachment).to_contain_text("整改现场.jpg")

        # --- the inspector checks the answer -------------------------------------------------------
        inspector.reload()
        expect(inspector.locator(".case-facts .state")).to_have_text("已反馈")
        expect(inspector.locator(".case-attachments a", has_text="整改现场")).to_be_visible()
        act(inspector, "verify", "核查通过", "已核查")

        # --- the citizen reads the reply and answers the return visit ------------------------------
        citizen.goto(tracking_path)
        expect(citizen.get_by_text(f"办理结果：{result}")).to_be_visible()
        feedback = citizen.locator("form", has_text="回访")
        feedback.locator("fieldset", has_text="问题是否已解决").get_by_text("是", exact=True).click()
        feedback.get_by_text("非常满意", exact=True).click()
        feedback.get_by_role("button", name="提交回访意见").click()
        expect(citizen.get_by_text("感谢您的回访意见")).to_be_visible()
        expect(citizen.locator("#tstate")).to_contain_text("办结")
        no_horizontal_overflow(citizen)

        # --- closed: in the ledger and in the API ----------------------------------------------------
        open_from_menu(inspector, "案件台账")
        search = inspector.get_by_role("searchbox", name="编号或内容")
        search.fill(number)
        search.press("Enter")
        card = inspector.locator(".case-card", has_text=number)
        expect(card).to_have_count(1)
        expect(card).to_contain_text("已办结")
        inspector.locator(".state-counts").get_by_role("link", name=re.compile("已办结")).click()
        expect(inspector.locator(".case-card", has_text=number)).to_have_count(1)

        answer = inspector_context.request.get(f"/api/v1/cases/{case_id}")
        assert answer.ok
        case = answer.json()
        assert case["state"] == "closed" and case["number"] == number
        assert (case["resolved"], case["satisfaction"]) == (True, 5)
        assert (case["case_type"], case["category"], case["severity"]) == ("work_style", "buck_passing", "serious")
        assert case["department"]["name"] == department
        assert [e["action"] for e in case["events"]] == [
            "receive", "register", "assign", "sign", "answer", "verify", "return_visit", "close"]
        answered = next(e for e in case["events"] if e["action"] == "answer")
        assert answered["data"]["result"] == result and len(answered["data"]["attachments"]) == 1
        assert [a["filename"] for a in case["attachments"]] == ["整改现场.jpg"]

        assert not citizen_errors and not inspector_errors and not handler_errors, (
            citizen_errors, inspector_errors, handler_errors)
    finally:
        for context in contexts:
            context.close()


def test_the_ledger_prints_as_a_clean_table(cases_live, page: Page, tmp_path):
    from pypdf import PdfReader

    sign_in(page, "inspector")
    open_from_menu(page, "案件台账")
    page.locator(".ledger-filters").get_by_label("全部状态").select_option(label="已签收")
    expect(page).to_have_url(re.compile(r"state=signed"))
    expect(page.locator(".case-card").first).to_be_visible()
    rows = page.locator(".case-card").count()
    assert rows >= 1

    # The button prints (window.print stubbed: a headless browser has no dialog) and stamps the time.
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    page.get_by_role("button", name="打印").click()
    assert page.evaluate("window.__printed") == 1
    expect(page.locator(".print-header [data-print-time]")).to_have_text(
        re.compile(r"打印时间：\d{4}/\d{2}/\d{2} \d{2}:\d{2}"))

    page.emulate_media(media="print")
    for chrome in ("#tabbar", ".appbar", ".ledger-filters", ".ledger-tools", ".case-cards", "#ledger-print"):
        expect(page.locator(chrome)).to_be_hidden()
    header = page.locator(".print-header")
    expect(header).to_be_visible()
    expect(header).to_contain_text("案件台账")
    expect(header).to_contain_text("筛选条件：状态：已签收")
    expect(header).to_contain_text(f"共 {rows} 件")
    expect(header).to_contain_text("打印人：赵建国")
    table = page.locator(".ledger-table")
    expect(table).to_be_visible()
    headings = table.locator("thead th").all_inner_texts()
    # no empty column for the check boxes
    assert headings == ["案件编号", "状态", "诉求摘要", "类型", "类别", "辖区", "承办单位", "点位", "受理时间",
                        "办理期限", "预警"]
    expect(table.locator("tbody tr")).to_have_count(rows)
    expect(table.locator("tbody tr").first).to_contain_text("已签收")
    styles = page.evaluate("""() => {
        const row = document.querySelector('.ledger-table tbody tr');
        return {head: getComputedStyle(document.querySelector('.ledger-table thead')).display,
                row: getComputedStyle(row).breakInside};
    }""")
    assert styles == {"head": "table-header-group", "row": "avoid"}
    page.screenshot(path=str(tmp_path / "ledger-print.png"), full_page=True)

    pdf = tmp_path / "ledger.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    reader = PdfReader(str(pdf))
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # A4 landscape
    text = reader.pages[0].extract_text()
    assert "案件台账" in text and "打印时间" in text and "导出" not in text and "菜单" not in text
    page.emulate_media(media="screen")


@pytest.fixture(scope="module")
def registered_case(cases_live) -> str:
    """A case waiting to be assigned (the only kind the ledger lets one pick): its number."""
    from jiandu.cases.service import act, open_case

    with cases_live.app.app_context():
        inspector = db.session.scalar(select(User).where(User.username == "inspector"))
        case = open_case(channel="hotline_12345", summary="12345 转来：企业开办材料被要求重复提交",
                         jurisdiction_id=inspector.jurisdiction_id)
        act(inspector, case, "register", {"case_type": "service_request", "category": "efficiency"},
            check_version_=False)
        db.session.commit()
        return case.number


@pytest.mark.parametrize("size", [{"width": 360, "height": 740}, {"width": 1280, "height": 800}],
                         ids=["phone", "desktop"])
def test_the_ledger_fits_a_phone_and_a_desktop(cases_live, browser, size, registered_case, tmp_path):
    context = browser.new_context(base_url=cases_live.url, viewport=size, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(page, "inspector")
        page.goto("/#/cases?state=registered")
        expect(page.locator(".view-title")).to_have_text("案件台账")
        expect(page.locator(".state-counts .chip").first).to_contain_text("全部")
        no_horizontal_overflow(page)
        wide = size["width"] >= 1024
        expect(page.locator(".ledger-table" if wide else ".case-cards")).to_be_visible()
        expect(page.locator(".case-cards" if wide else ".ledger-table")).to_be_hidden()
        # Nothing fixed hides the list: the bulk-assignment bar shows only once a case is picked.
        bar = page.locator(".bulkbar")
        expect(bar).to_be_hidden()
        expect(page.locator(".state-counts .chip[aria-current=page]")).to_contain_text("已建账")
        # In the card on a phone, in the table row on a desktop: one shows at a time.
        registered = page.get_by_role("checkbox", name=f"选择 {registered_case}")
        expect(registered).to_have_count(1)
        listing = page.locator(".ledger-table" if wide else ".case-cards")
        expect(listing.get_by_label(f"选择 {registered_case}")).to_be_visible()
        registered.check()
        expect(bar).to_be_visible()
        expect(bar).to_contain_text("已选 1 件")
        no_horizontal_overflow(page)
        registered.uncheck()
        expect(bar).to_be_hidden()
        # The folded filters open, and still fit.
        page.locator(".more-filters > summary").click()
        expect(page.locator(".ledger-filters").get_by_label("全部渠道")).to_be_visible()
        no_horizontal_overflow(page)
        page.screenshot(path=str(tmp_path / f"ledger-{size['width']}.png"))
        assert not errors, errors
    finally:
        context.close()
