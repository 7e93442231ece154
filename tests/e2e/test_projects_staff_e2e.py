"""Projects for staff in headless Chromium on a 360×740 phone screen: the admin registers a project
(a wrong credit code is refused under its field first, with everything typed kept), adds an overdue
approval item and an overdue payment and sees them red, invites the enterprise's contact (the
one-time code and link are shown), adds a milestone and edits the project; and imports projects
from a sheet, reading each bad row's error first."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from jiandu.extensions import db
from tests.conftest import PASSWORD
from tests.e2e.conftest import VIEWPORT

pytestmark = pytest.mark.e2e

PROJECT_CODE = "2025-150207-48-01-770001"
PROJECT_NAME = "九原区端到端新能源装备产业园"


@pytest.fixture(scope="module")
def world(live_server):
    """The county the project goes to, two of its departments, and credit codes (valid and not)."""
    from jiandu.org.models import Jurisdiction, Unit
    from jiandu.projects import credit_code

    with live_server.app.app_context():
        county = db.session.scalar(select(Jurisdiction).where(Jurisdiction.name == "九原区"))
        departments = db.session.scalars(select(Unit)
                                         .where(Unit.kind == "department", Unit.jurisdiction_id == county.id)
                                         .order_by(Unit.id).limit(2)).all()
        owner = credit_code.make("150207", "MA0R8T2K")
        builder = credit_code.make("150203", "MA0N3W6C")
        wrong = owner[:17] + next(c for c in credit_code.CHARS if c != owner[17])  # a wrong check character
        assert credit_code.is_valid(owner) and credit_code.is_valid(builder) and not credit_code.is_valid(wrong)
        return {"county_id": county.id, "departments": [d.name for d in departments], "owner": owner,
                "builder": builder, "wrong": wrong}


def sign_in(page: Page, username: str) -> None:
    page.goto("/#/login")
    page.get_by_label("用户名").fill(username)
    page.locator("#login-form").get_by_label("密码").fill(PASSWORD)
    page.locator("#login-form").get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"#/login"))


def no_horizontal_overflow(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], f"page is {width}px wide at a {VIEWPORT['width']}px viewport"


def exactly(label: str):
    """A label's whole text, with or without the required marker (" *")."""
    return re.compile(rf"^{re.escape(label)}( \*)?$")


def field_error(form, name: str):
    return form.locator(f".field[data-field='{name}'] .field-error")


def stored_project(live):
    from jiandu.org.models import Project
    from jiandu.projects import service

    with live.app.app_context():
        project = db.session.scalar(select(Project).where(Project.project_code == PROJECT_CODE))
        if project is None:
            return None
        return {"id": project.id, "owner_credit_code": project.owner_credit_code, "stage": project.stage,
                "departments": [u.name for u in service.departments_of(project.id)],
                "liaison_phone": project.liaison_phone}


def test_admin_registers_a_project_and_sees_an_overdue_approval_red(live_server, world, page):
    assert page.viewport_size == VIEWPORT
    sign_in(page, "admin")

    # The registry form, reached from the menu.
    page.locator("#menu-button").click()
    page.locator("#menu").get_by_role("link", name="登记项目").click()
    expect(page).to_have_url(re.compile(r"#/projects/new$"))
    form = page.locator("form.project-form")
    form.get_by_label("项目名称").fill(PROJECT_NAME)
    form.get_by_label("项目代码").fill(PROJECT_CODE)
    form.get_by_label("所属辖区").select_option(str(world["county_id"]))
    for name in world["departments"]:
        form.get_by_label(exactly(name)).check()
    form.get_by_label("项目地址").fill("包头市九原区装备大道 8 号")
    form.get_by_label("总投资（万元）").fill("56000")
    form.get_by_label("项目阶段").select_option(label="工程建设许可")
    form.get_by_label(exactly("业主单位")).fill("包头端到端新能源装备有限公司")
    form.get_by_label("业主单位统一社会信用代码").fill(world["wrong"].lower())
    form.get_by_label(exactly("施工单位")).fill("内蒙古端到端建设集团有限公司")
    form.get_by_label("施工单位统一社会信用代码").fill(world["builder"])
    form.get_by_label(exactly("包联干部")).fill("李建国")
    form.get_by_label("包联干部电话").fill("13947200000")
    form.get_by_label(exactly("企业联系人")).fill("赵敏")
    form.get_by_label("企业联系人电话").fill("13847200000")
    no_horizontal_overflow(page)

    # A wrong check character: refused under its own field; nothing typed is lost, nothing stored.
    page.locator("button[type=submit][form=project-form]").click()
    expect(field_error(form, "owner_credit_code")).to_be_visible()
    expect(field_error(form, "owner_credit_code")).to_contain_text("校验位")
    expect(form.get_by_label("业主单位统一社会信用代码")).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(re.compile(r"#/projects/new$"))
    expect(form.get_by_label("项目名称")).to_have_value(PROJECT_NAME)
    expect(form.get_by_label("施工单位统一社会信用代码")).to_have_value(world["builder"])
    expect(form.get_by_label(exactly(world["departments"][1]))).to_be_checked()
    assert stored_project(live_server) is None
    no_horizontal_overflow(page)

    # Corrected (in lower case: the server normalises it): registered, and on to its page.
    form.get_by_label("业主单位统一社会信用代码").fill(world["owner"].lower())
    page.locator("button[type=submit][form=project-form]").click()
    expect(page).to_have_url(re.compile(r"#/projects/\d+$"))
    expect(page.locator("h2.view-title")).to_contain_text(PROJECT_NAME)
    stored = stored_project(live_server)
    assert stored["owner_credit_code"] == world["owner"]
    assert stored["stage"] == "construction_permit_prep"
    assert sorted(stored["departments"]) == sorted(world["departments"])
    expect(page.locator(".project-facts")).to_contain_text(world["owner"])
    expect(page.locator("#view")).not_to_contain_text("null")

    # An approval item submitted long ago with a small limit: overdue, shown red.
    approvals = page.locator("[data-section=approvals]")
    approvals.get_by_role("button", name=re.compile("添加审批事项")).click()
    item = approvals.locator("form.item-form")
    item.get_by_label("审批事项名称").fill("建设工程规划许可证")
    item.get_by_label("审批部门").select_option(label=world["departments"][0])
    item.get_by_label("申报日期").fill("2025-03-03")
    item.get_by_label("法定时限（工作日）").fill("10")
    item.get_by_label("承诺时限（工作日）").fill("12")
    no_horizontal_overflow(page)
    item.get_by_role("button", name="保存").click()
    # The promised limit may not exceed the statutory one: the error under that field, values kept.
    expect(field_error(item, "promised_days")).to_contain_text("承诺时限不能长于法定时限")
    expect(item.get_by_label("审批事项名称")).to_have_value("建设工程规划许可证")
    item.get_by_label("承诺时限（工作日）").fill("5")
    item.get_by_role("button", name="保存").click()

    card = approvals.locator("li[data-approval]")
    expect(card).to_have_count(1)
    expect(card).to_have_attribute("data-colour", "red")
    expect(card).to_contain_text("建设工程规划许可证")
    red = card.locator(".badge.colour-red").first
    expect(red).to_contain_text("超时")
    # projects.css is in use: the red badge and the card's red edge.
    assert red.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(253, 236, 238)"
    assert card.evaluate("e => getComputedStyle(e).borderLeftWidth") == "5px"
    expect(page.locator("#toast")).to_contain_text("已保存审批事项")
    no_horizontal_overflow(page)

    # Marking it done (late) through its edit form keeps it red, now with its done date.
    card.get_by_role("button", name="编辑").click()
    card.locator("form.item-form").get_by_label("办结日期").fill("2025-04-30")
    card.locator("form.item-form").get_by_role("button", name="保存").click()
    expect(approvals.locator("li[data-approval]")).to_contain_text("办结 2025-04-30")
    expect(approvals.locator("li[data-approval]")).to_have_attribute("data-colour", "red")

    # A payment delivered long ago by a government payer and not paid: red, with the days overdue.
    payments = page.locator("[data-section=payments]")
    payments.get_by_role("button", name=re.compile("添加应付账款")).click()
    pay = payments.locator("form.item-form")
    pay.get_by_label("合同名称").fill("厂房钢结构工程合同")
    pay.get_by_label(exactly("付款单位")).fill("九原区住房和城乡建设局")
    pay.get_by_label("金额（元）").fill("1250000.50")
    pay.get_by_label("交付（验收）日期").fill("2025-01-10")
    pay.get_by_role("button", name="保存").click()
    payment = payments.locator("li[data-payment]")
    expect(payment).to_have_attribute("data-colour", "red")
    expect(payment).to_contain_text("1250000.50 元")
    expect(payment).to_contain_text("逾期")

    # Invite the enterprise's contact: the one-time code and the link are shown.
    invite = page.locator("[data-section=invitations]")
    expect(invite.get_by_label("被邀请人姓名")).to_have_value("赵敏")
    invite.get_by_role("button", name="生成邀请码").click()
    code = invite.locator(".invite-code")
    expect(code).to_be_visible()
    raw = code.get_attribute("data-code")
    assert re.fullmatch(r"[2-9A-Z]{16}", raw)
    expect(invite.locator(".invite-link a")).to_have_attribute("href", re.compile(rf"/#/invite/{raw}$"))
    expect(invite.locator("li[data-invitation][data-state=pending]")).to_have_count(1)
    no_horizontal_overflow(page)

    # A milestone; the page is drawn again, the code just made stays on screen.
    milestones = page.locator("[data-section=milestones]")
    milestones.get_by_role("button", name=re.compile("添加项目节点")).click()
    ms = milestones.locator("form.item-form")
    ms.get_by_label("节点名称").fill("主体结构封顶")
    ms.get_by_label("计划日期").fill("2030-06-30")
    ms.get_by_role("button", name="保存").click()
    expect(milestones.locator("li[data-milestone]")).to_contain_text("主体结构封顶")
    expect(page.locator("[data-section=invitations] .invite-code")).to_have_attribute("data-code", raw)

    # Edit the registry: the stage moves on, the form comes back filled in.
    page.locator(".project-facts").get_by_role("link", name="编辑项目").click()
    edit = page.locator("form.project-form")
    expect(edit.get_by_label("业主单位统一社会信用代码")).to_have_value(world["owner"])
    expect(edit.get_by_label(exactly(world["departments"][0]))).to_be_checked()
    edit.get_by_label("包联干部电话").fill("12345")
    page.locator("button[type=submit][form=project-form]").click()
    expect(field_error(edit, "liaison_phone")).to_be_visible()
    edit.get_by_label("包联干部电话").fill("0472-5123456")
    edit.get_by_label("项目阶段").select_option(label="施工许可")
    page.locator("button[type=submit][form=project-form]").click()
    expect(page).to_have_url(re.compile(r"#/projects/\d+$"))
    expect(page.locator(".project-facts")).to_contain_text("施工许可")
    stored = stored_project(live_server)
    assert (stored["stage"], stored["liaison_phone"]) == ("construction_permit", "0472-5123456")


def test_admin_imports_projects_and_reads_each_bad_row(live_server, world, page):
    """A sheet with bad rows imports nothing and names every bad row; the corrected sheet imports all."""
    header = "项目名称,项目代码,业主单位,业主单位统一社会信用代码,辖区,阶段,涉及部门,包联干部电话"
    good = (f"导入测试物流园,2025-150207-54-01-770101,包头导入物流有限公司,{world['owner']},九原区,施工许可,"
            f"{world['departments'][0]},13947211111")
    bad_code = f"导入测试数据中心,2025-150207-54-01-770102,包头导入数据有限公司,{world['wrong']},九原区,,,"
    bad_place = (f"导入测试冷链仓储,2025-150207-54-01-770103,包头导入冷链有限公司,{world['builder']},"
                 "不存在的旗,,不存在的局,")

    def sheet(*rows):
        return {"name": "projects.csv", "mimeType": "text/csv", "buffer": "\n".join((header, *rows)).encode("utf-8")}

    sign_in(page, "admin")
    page.goto("/#/projects/import")
    form = page.locator("#project-import-form")
    form.locator("input[type=file]").set_input_files(sheet(good, bad_code, bad_place))
    page.locator("button[type=submit][form=project-import-form]").click()
    alert = form.locator(".form-alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("导入未执行")
    rows = alert.locator(".error-list li")
    expect(rows.filter(has_text="第 3 行")).to_contain_text("校验位")
    expect(rows.filter(has_text="第 4 行").first).to_be_visible()
    expect(alert).to_contain_text("不存在的旗")
    expect(alert).to_contain_text("不存在的局")
    expect(alert).not_to_contain_text("第 2 行")
    no_horizontal_overflow(page)

    from jiandu.org.models import Project

    def imported():
        with live_server.app.app_context():
            return sorted(db.session.scalars(select(Project.name).where(Project.name.startswith("导入测试"))))

    assert imported() == []

    fixed = bad_place.replace("不存在的旗", "九原区").replace("不存在的局", world["departments"][1])
    form.locator("input[type=file]").set_input_files(sheet(good, fixed))
    page.locator("button[type=submit][form=project-import-form]").click()
    expect(page.locator("#toast")).to_contain_text("已导入 2 个项目")
    expect(page).to_have_url(re.compile(r"#/projects$"))
    assert imported() == ["导入测试冷链仓储", "导入测试物流园"]
