"""Signing out of the staff app forgets what the device kept for the user (IndexedDB: visits, cases,
the outbox, photos) — and, when some of it was never sent, asks first, in Chinese."""
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.signing import sign_in

pytestmark = pytest.mark.e2e


STORES = ["records", "outbox", "photos", "meta"]


def keep_offline(page: Page, outbox_state: str | None) -> None:
    """What a day in the field leaves on the phone: a visit taken offline and, maybe, a write of it."""
    page.evaluate("""async (state) => {
      const db = await import("/app/js/offline/db.js");
      await db.put("records", { key: "visit:77", type: "visit", data: { id: 77, title: "暗访 某窗口" } });
      await db.setMeta("owner", 1);
      if (state) {
        await db.put("photos", { uuid: "p-1", blob: new Blob(["x"]), name: "a.jpg", size: 1, userId: 1, received: 0 });
        await db.put("outbox", { id: "w-1", seq: 1, op: "visit.record", body: { notes: "排队 40 分钟" },
                                 photos: ["p-1"], userId: 1, state, tries: 0 });
      }
    }""", outbox_state)


def kept(page: Page) -> dict:
    return page.evaluate("""async (stores) => {
      const db = await import("/app/js/offline/db.js");
      const out = {};
      for (const store of stores) out[store] = (await db.all(store)).length;
      return out;
    }""", STORES)


def open_account(page: Page) -> None:
    page.goto("/#/account")
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()


def test_signing_out_forgets_what_the_device_kept(page: Page):
    sign_in(page, "inspector")
    keep_offline(page, outbox_state="sent")  # everything already on the server
    assert kept(page)["records"] == 1
    open_account(page)
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"#/login"))
    assert kept(page) == {store: 0 for store in STORES}


def test_signing_out_with_unsent_work_asks_first_and_keeps_it_when_told_no(page: Page):
    sign_in(page, "inspector")
    keep_offline(page, outbox_state="waiting")
    open_account(page)
    page.get_by_role("button", name="退出登录").click()
    dialog = page.locator("dialog")
    expect(dialog).to_contain_text("1 条记录")
    expect(dialog).to_contain_text("尚未发送")
    dialog.get_by_role("button", name="取消").click()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()  # still signed in, nothing lost
    assert kept(page) == {"records": 1, "outbox": 1, "photos": 1, "meta": kept(page)["meta"]}
    assert page.evaluate("fetch('/api/v1/me').then(r => r.status)") == 200

    page.get_by_role("button", name="退出登录").click()
    page.locator("dialog").get_by_role("button", name="删除并退出").click()
    expect(page).to_have_url(re.compile(r"#/login"))
    assert kept(page) == {store: 0 for store in STORES}
