"""Browser tests: the app served by a real WSGI server on 127.0.0.1, driven by headless Chromium.

Chromium is Debian's (/usr/bin/chromium); Playwright only drives it (never `playwright install`).
"""
from __future__ import annotations

import os
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask import Flask
from werkzeug.serving import make_server

from jiandu import create_app
from tests.conftest import TMP, build_world, test_config
from tests.support import clock

CHROMIUM = os.environ.get("JIANDU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 360, "height": 740}
# Rate-limit counters of the live server go to their own Redis database: other test sessions
# sharing the Redis call limiter.reset() before each of their tests, which would wipe the counts
# a browser test builds up (it cannot go as fast as they reset).
LIMITS_DB = 15


def _limits_storage(redis_url: str) -> str:
    parts = urlsplit(redis_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{LIMITS_DB}", parts.query, parts.fragment))


@dataclass
class LiveServer:
    url: str
    app: Flask


class _Deferred:
    """A WSGI app that is set after the server is bound, so the app can be built with its URL."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture(scope="session")
def live_server():
    deferred = _Deferred()
    server = make_server("127.0.0.1", 0, deferred, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    config = test_config(database_url=f"sqlite:///{TMP}/e2e.sqlite3", PUBLIC_BASE_URL=url)
    app = create_app({
        **config,
        "RATELIMIT_STORAGE_URI": _limits_storage(config["REDIS_URL"]),
        # A key prefix of this run's own: earlier runs' failed logins do not throttle this one.
        "RATELIMIT_KEY_PREFIX": f"e2e-{uuid.uuid4().hex[:12]}",
    })
    build_world(app)
    deferred.app = app
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=url, app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        viewport=VIEWPORT,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        service_workers="allow",
    )
    context.set_default_timeout(15_000)
    if clock.moved():  # the browser lives on the server's calendar, not on the machine's
        context.clock.set_system_time(datetime.now(timezone.utc))
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(context):
    """A fresh page; uncaught script errors and CSP violations fail the test that saw them."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.on("console", lambda message: errors.append(f"console: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text else None)
    yield page
    assert not errors, f"errors on the page: {errors}"
