"""Signing in as the demo accounts do, in the browser: the login form, then the greeting."""
import re

from playwright.sync_api import Page, expect

PASSWORD = "jiandu-demo"


def sign_in(page: Page, username: str) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"#/login"))
    page.get_by_label("用户名").fill(username)
    page.locator("#login-form").get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
