"""Fieldwork in headless Chromium with a persistent profile: sign in as an inspector, take the work
offline, lose the network, restart the browser and reload the app, fill a visit's checklist with a
photo and a finding, come back online, sync, and find exactly one of everything on the server; replay
the same outbox and find nothing new. Installability by the DevTools Protocol."""
from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from jiandu.extensions import db
from tests.conftest import PASSWORD
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def world(live_server, tmp_path_factory):
    """A checklist and a visit planned for the demo inspector, at a window."""
    from jiandu.fieldwork import service
    from jiandu.org.models import Point, User

    live_server.app.config["UPLOAD_DIR"] = str(tmp_path_factory.mktemp("fieldwork-uploads"))
    with live_server.app.app_context():
        inspector = db.session.scalar(select(User).where(User.username == "inspector"))
        window = db.session.scalar(select(Point).where(Point.type == "window", Point.active).order_by(Point.id.desc()))
        template = service.create_template(inspector, {"title": "窗口一次告知清单", "items": [
            {"kind": "yes_no", "label": "是否公示办事指南", "guidance": "看公示栏是否为最新版"},
            {"kind": "single", "label": "告知单使用", "options": ["全部使用", "部分使用", "未使用"]},
            {"kind": "number", "label": "抽查办件数"},
            {"kind": "text", "label": "其他情况", "required": False},
        ]})
        visit = service.plan_visit(inspector, {"kind": "experience", "point_id": window.id, "template_id": template.id,
                                               "title": "体验式监督：一次告知"})
        db.session.commit()
        return {"visit_id": visit.id, "window_id": window.id, "url": live_server.url}


@pytest.fixture(scope="module")
def photo_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("fw-photos") / "window.jpg"
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (40.0, 39.0, 30.0)}
    Image.new("RGB", (1000, 750), (150, 90, 40)).save(path, "JPEG", exif=exif)
    return path


def launch(browser, profile, url):
    context = browser.browser_type.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, base_url=url,
        viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai", service_workers="allow")
    context.set_default_timeout(20_000)
    return context


def counts(live, visit_id):
    from jiandu.cases.models import Case
    from jiandu.fieldwork.models import AnswerSet, FieldPhoto, Finding, SyncReceipt, VisitRecord

    with live.app.app_context():
        findings = db.session.scalars(select(Finding).where(Finding.visit_id == visit_id)).all()
        return {
            "records": db.session.scalar(select(func.count()).select_from(VisitRecord)
                                         .where(VisitRecord.visit_id == visit_id)),
            "answer_sets": db.session.scalar(select(func.count()).select_from(AnswerSet)
                                             .where(AnswerSet.visit_id == visit_id)),
            "findings": len(findings),
            "cases": db.session.scalar(select(func.count()).select_from(Case)
                                       .where(Case.id.in_([f.case_id for f in findings]))),
            "photos": db.session.scalar(select(func.count()).select_from(FieldPhoto)),
            "clean_photos": db.session.scalar(select(func.count()).select_from(FieldPhoto)
                                              .where(FieldPhoto.state == "clean")),
            "receipts": db.session.scalar(select(func.count()).select_from(SyncReceipt)),
            "channel": db.session.scalar(select(Case.channel).where(Case.id.in_([f.case_id for f in findings]))),
        }


def sync_and_wait(page):
    page.goto("/#/sync")
    page.locator("#sync-now").click()
    expect(page.locator("#outbox-list [data-state=waiting]")).to_have_count(0)
    expect(page.locator("#outbox-list [data-state=sending]")).to_have_count(0)
    expect(page.locator("#sync-now")).to_be_enabled()


def test_offline_visit_syncs_exactly_once(browser, live_server, world, photo_path, tmp_path):
    profile = tmp_path / "profile"
    context = launch(browser, profile, world["url"])
    page = context.pages[0] if context.pages else context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"#/login"))
    page.get_by_label("用户名").fill("inspector")
    page.locator("#login-form").get_by_label("密码").fill(PASSWORD)
    page.locator("#login-form").get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"#/login"))
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")

    # Installable: a manifest with 192 and 512 px icons, and no installability errors.
    manifest = page.request.get("/manifest.webmanifest").json()
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    cdp = context.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []

    page.goto("/#/visits")
    page.locator("#take-offline").click()
    expect(page.locator("#offline-status[data-state=done]")).to_contain_text("已下载")
    expect(page.locator("a.visit-link")).to_contain_text(["体验式监督：一次告知"])
    context.close()

    # The phone restarts the browser, with no network.
    context = launch(browser, profile, world["url"])
    context.set_offline(True)
    page = context.pages[0] if context.pages else context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/#/visits")
    expect(page.locator("a.visit-link", has_text="体验式监督：一次告知")).to_be_visible()
    page.reload()
    link = page.locator("a.visit-link", has_text="体验式监督：一次告知")
    expect(link).to_be_visible()
    link.click()
    form = page.locator("form.visit-form")
    form.locator("fieldset.checklist-item").nth(0).get_by_role("radio", name="否").check()
    form.locator("fieldset.checklist-item").nth(1).get_by_role("radio", name="部分使用").check()
    form.locator("fieldset.checklist-item").nth(2).locator("input[type=number]").fill("12")
    form.get_by_label("走访情况").fill("窗口告知单为旧版，群众多次补正")
    page.locator("#add-finding").click()
    finding = form.locator("fieldset.finding")
    finding.locator("textarea").fill("告知单未更新，导致材料反复退回")
    finding.locator("select").select_option("buck_passing")
    finding.locator("input[type=file]").set_input_files(str(photo_path))
    page.locator("#save-visit").click()
    expect(page).to_have_url(re.compile(r"#/sync"))
    expect(page.locator("#outbox-list [data-state=waiting]")).to_have_count(3)
    assert counts(live_server, world["visit_id"])["records"] == 0

    context.set_offline(False)
    sync_and_wait(page)
    expect(page.locator("#outbox-list [data-state=sent]")).to_have_count(3)
    after = counts(live_server, world["visit_id"])
    assert after["records"] == 1 and after["answer_sets"] == 1
    assert after["findings"] == 1 and after["cases"] == 1 and after["channel"] == "field_visit"
    assert after["photos"] == 1 and after["clean_photos"] == 1

    # Replay the same outbox (every write and photo as if never sent): nothing new on the server.
    page.evaluate("""async () => {
      const db = await new Promise((ok, ko) => {
        const r = indexedDB.open("jiandu-offline"); r.onsuccess = () => ok(r.result); r.onerror = ko;
      });
      for (const store of ["outbox", "photos"]) {
        const tx = db.transaction(store, "readwrite");
        const os = tx.objectStore(store);
        const rows = await new Promise((ok) => { const q = os.getAll(); q.onsuccess = () => ok(q.result); });
        for (const row of rows) {
          os.put(store === "outbox" ? { ...row, state: "waiting", nextAt: 0 } : { ...row, received: 0, done: false });
        }
        await new Promise((ok) => { tx.oncomplete = ok; });
      }
    }""")
    sync_and_wait(page)
    expect(page.locator("#outbox-list [data-state=sent]")).to_have_count(3)
    assert counts(live_server, world["visit_id"]) == after
    assert not errors, errors
    context.close()
