"""Projects in headless Chromium on a 360×740 phone screen: the enterprise reports a blocker with a
photo while offline, syncs; the inspector finds it on the project board and assigns it; the
department answers; the enterprise reads the answer and answers the return visit."""
from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from jiandu.extensions import db
from tests.conftest import PASSWORD
from tests.e2e.conftest import VIEWPORT

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def world(live_server, tmp_path_factory):
    """A project with two departments, its enterprise user, and a handler of its first department."""
    from jiandu.org.models import Jurisdiction, Unit, User
    from jiandu.projects import credit_code, service
    from jiandu.security import hash_password

    live_server.app.config["UPLOAD_DIR"] = str(tmp_path_factory.mktemp("projects-uploads"))
    with live_server.app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        county = db.session.scalar(select(Jurisdiction).where(Jurisdiction.name == "九原区"))
        departments = db.session.scalars(select(Unit)
                                         .where(Unit.kind == "department", Unit.jurisdiction_id == county.id)
                                         .order_by(Unit.id).limit(2)).all()
        project = service.create_project(admin, {
            "name": "端到端测试产业园项目", "project_code": "2025-150207-39-03-990001",
            "owner_enterprise": "包头端到端科技有限公司",
            "owner_credit_code": credit_code.make("150207", "MA0QH7K4"), "jurisdiction_id": county.id,
            "stage": "construction_permit_prep", "department_ids": [u.id for u in departments]})
        password = hash_password(PASSWORD)
        db.session.add(User(username="e2e-enterprise", display_name="企业联系人", role="enterprise",
                            password_hash=password, jurisdiction_id=county.id, project_id=project.id))
        db.session.add(User(username="e2e-handler", display_name="部门经办人", role="handler", password_hash=password,
                            jurisdiction_id=county.id, unit_id=departments[0].id))
        db.session.commit()
        return {"project_id": project.id, "project_name": project.name, "department": departments[0].name,
                "department_id": departments[0].id}


@pytest.fixture(scope="module")
def photo_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("projects-photos") / "site.jpg"
    Image.new("RGB", (800, 600), (60, 120, 180)).save(path, "JPEG")
    return path


def sign_in(page, username):
    page.goto("/#/login")
    page.get_by_label("用户名").fill(username)
    page.locator("#login-form").get_by_label("密码").fill(PASSWORD)
    page.locator("#login-form").get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"#/login"))


def blocker_of(live, project_id):
    from jiandu.projects.models import Blocker

    with live.app.app_context():
        rows = db.session.scalars(select(Blocker).where(Blocker.project_id == project_id)).all()
        return [(b.id, b.case_id, len(b.photos)) for b in rows]


def test_offline_blocker_to_answer(browser, live_server, world, photo_path, page):
    assert page.viewport_size == VIEWPORT
    # The enterprise signs in on its phone and opens the blocker form while online.
    sign_in(page, "e2e-enterprise")
    page.goto(f"/#/projects/{world['project_id']}")
    expect(page.locator("h2.view-title")).to_contain_text(world["project_name"])
    page.get_by_role("link", name="反映堵点").click()
    form = page.locator("form.blocker-form")
    expect(form).to_be_visible()
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")

    # The network goes; the blocker is written and kept on the phone.
    page.context.set_offline(True)
    form.get_by_label("堵点类型").select_option(label="审批超时")
    form.get_by_label("涉及部门").select_option(label=world["department"])
    form.get_by_label("情况说明").fill("施工许可申请提交已满二十个工作日，窗口仍说在内部流转")
    form.locator("input[type=file]").set_input_files(str(photo_path))
    form.get_by_role("button", name="提交").click()
    expect(page.locator("#toast")).to_contain_text("联网后自动发送")
    assert blocker_of(live_server, world["project_id"]) == []

    # Back online: the sync sends it, with its photo, once.
    page.context.set_offline(False)
    page.goto("/#/sync")
    page.locator("#sync-now").click()
    expect(page.locator("#outbox-list [data-state=sent]")).to_have_count(1)
    [(blocker_id, case_id, photos)] = blocker_of(live_server, world["project_id"])
    assert photos == 1

    # The inspector sees it on the project board and assigns it to the department.
    inspector = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="zh-CN",
                                    timezone_id="Asia/Shanghai")
    inspector.set_default_timeout(15_000)
    ipage = inspector.new_page()
    sign_in(ipage, "inspector")
    ipage.goto("/#/projects?problems=1")
    card = ipage.locator(f"li[data-project='{world['project_id']}']")
    expect(card).to_contain_text("未办结堵点 1")
    card.locator("a").click()
    ipage.locator(f"[data-section=cases] li[data-case='{case_id}'] a").click()
    register = ipage.locator("form[data-action=register]")
    register.get_by_label("类型").select_option("service_request")
    register.get_by_label("类别").fill("审批超时")
    register.get_by_role("button", name="建账").click()
    assign = ipage.locator("form[data-action=assign]")
    expect(assign).to_be_visible()
    assign.get_by_label("承办单位").select_option(str(world["department_id"]))
    assign.get_by_role("button", name="转办").click()
    expect(ipage.locator(".case-facts")).to_contain_text("已转办")

    # The department signs and answers; the commission checks the answer (through the service).
    with live_server.app.app_context():
        from jiandu.cases import service as cases
        from jiandu.org.models import User

        handler = db.session.scalar(select(User).where(User.username == "e2e-handler"))
        boss = db.session.scalar(select(User).where(User.username == "inspector"))
        case = cases.get_case(handler, case_id)
        cases.act(handler, case, "sign", {}, version=case.version)
        db.session.commit()
        cases.act(handler, case, "answer", {"result": "已于今日核发施工许可证，并向企业说明延误原因"},
                  version=case.version)
        db.session.commit()
        case = cases.get_case(boss, case_id)
        cases.act(boss, case, "verify", {}, version=case.version)
        db.session.commit()
    inspector.close()

    # The enterprise reads the answer and answers the return visit.
    page.goto(f"/#/blockers/{blocker_id}")
    expect(page.locator(".blocker-progress")).to_contain_text("已于今日核发施工许可证")
    visit = page.locator("form.blocker-visit")
    visit.get_by_label("问题是否已解决").select_option("true")
    visit.get_by_label("满意程度").select_option("5")
    visit.get_by_role("button", name="提交回访意见").click()
    expect(page.locator(".blocker-facts")).to_contain_text("已办结")
