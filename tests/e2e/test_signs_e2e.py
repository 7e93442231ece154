"""The 印制监督码 screen in headless Chromium at 360×740: pick a hall's windows, preview a sign,
start a batch, watch it finish (a real RQ worker), download the PDF, reprint one sign, and the
point's own code downloads."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.signs.conftest import SMALL_HALL, page_count

pytestmark = pytest.mark.e2e

PASSWORD = "jiandu-demo"


def sign_in(page: Page, username: str = "admin") -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"#/login"))
    page.get_by_label("用户名").fill(username)
    page.locator("#login-form").get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()


def run_print_worker(app) -> None:
    from jiandu.queue import redis_connection
    from jiandu.worker import AppWorker

    with app.app_context():
        connection = redis_connection()
    AppWorker.app = app
    AppWorker(["print"], connection=connection).work(burst=True, with_scheduler=False, logging_level="WARNING")


def small_hall(app) -> tuple[int, int, int]:
    from jiandu.extensions import db
    from jiandu.org.models import Point, Unit

    with app.app_context():
        hall = db.session.scalar(select(Unit).where(Unit.name == SMALL_HALL))
        windows = db.session.scalars(select(Point.id).where(Point.hall_id == hall.id, Point.type == "window",
                                                            Point.active.is_(True))).all()
        return hall.id, len(windows), windows[0]


def test_an_administrator_prints_a_hall_and_reprints_one_sign(page: Page, live_server, tmp_path):
    hall_id, count, first_window = small_hall(live_server.app)
    sign_in(page)
    page.goto(f"/#/signs?hall={hall_id}&type=window")
    expect(page.locator(".view-title")).to_have_text("印制监督码")
    expect(page.get_by_text(f"符合条件的在用点位 {count} 个，已选 {count} 个")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_label("2. 选择模板").select_option("sticker-a4-12up")  # the close-range sticker says so
    expect(page.get_by_text(re.compile(r"近距离：约 \d+ 厘米内扫码，50 厘米外扫不出"))).to_be_visible()
    page.get_by_label("2. 选择模板").select_option("window-a5-2up")
    expect(page.get_by_text(re.compile(r"50 厘米外扫不出"))).to_have_count(0)
    page.get_by_role("button", name="生成预览").click()
    preview = page.get_by_alt_text("监督码印制预览")
    expect(preview).to_be_visible(timeout=60_000)
    assert page.evaluate("(img) => img.naturalWidth", preview.element_handle()) > 100

    page.get_by_role("button", name="检查").click()
    expect(page.get_by_text(f"可以印制：{count} 个点位")).to_be_visible()
    page.get_by_role("button", name="开始印制").click()
    expect(page).to_have_url(re.compile(r"#/signs\?batch=\d+"))
    batch_id = int(re.search(r"batch=(\d+)", page.url).group(1))
    expect(page.locator("progress")).to_be_attached()
    expect(page.get_by_text("排队中")).to_be_visible()

    with page.expect_download(timeout=60_000) as download:  # watched to the end: it downloads by itself
        run_print_worker(live_server.app)
        expect(page.get_by_text("已完成", exact=True).first).to_be_visible(timeout=30_000)
    saved = tmp_path / "batch.pdf"
    download.value.save_as(saved)
    assert page_count(saved) == -(-count // 2)
    expect(page.get_by_text(f"已完成 {count} / {count} 个")).to_be_visible()
    assert page.evaluate("document.querySelector('progress').value") == count
    with page.expect_download() as again:  # and stays downloadable
        page.get_by_role("link", name=re.compile("下载 PDF")).click()
    assert again.value.suggested_filename.endswith(".pdf")

    page.get_by_role("button", name="重印").first.click()
    expect(page).to_have_url(re.compile(rf"#/signs\?batch=(?!{batch_id}$)\d+$"))
    expect(page.get_by_text(f"重印自批次 #{batch_id}")).to_be_visible()
    run_print_worker(live_server.app)
    expect(page.get_by_text("已完成 1 / 1 个")).to_be_visible(timeout=30_000)

    page.goto(f"/#/signs?point={first_window}")
    svg_link = page.get_by_role("link", name="下载 SVG（矢量）")
    expect(svg_link).to_have_attribute("href", f"/api/v1/points/{first_window}/qr.svg")
    expect(page.get_by_role("link", name="下载 PNG")).to_have_attribute("href", re.compile(r"/qr\.png"))
    expect(page.get_by_alt_text("监督码印制预览")).to_be_visible(timeout=60_000)
