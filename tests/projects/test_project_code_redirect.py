"""Scanning a project's code (/q/<code>): the project's own enterprise user, signed in, is sent to the
app's blocker form; everyone else — citizens, staff, other projects' users — gets the citizen page."""
from __future__ import annotations

import pytest

from jiandu.extensions import db
from jiandu.projects import service

BLOCKER_FORM = "/#/blockers/new?code="


@pytest.fixture
def project_point(make_project):
    project = make_project()
    return project, service.point_of(project.id)


@pytest.fixture
def no_page_cache(app, monkeypatch):
    from jiandu.intake import cache

    monkeypatch.setitem(app.config, "INTAKE_PAGE_CACHE_SECONDS", 0)
    cache.clear()
    yield
    cache.clear()


def _signed_in(as_user, make_enterprise, project):
    account = make_enterprise(project)
    return as_user(account.username)


def test_the_projects_enterprise_user_goes_to_the_blocker_form(no_page_cache, project_point, as_user, make_enterprise):
    project, point = project_point
    api = _signed_in(as_user, make_enterprise, project)
    response = api.get(f"/q/{point.code}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{BLOCKER_FORM}{point.code}")
    assert "no-store" in response.headers["Cache-Control"]


def test_a_code_typed_loosely_lands_on_the_canonical_code(no_page_cache, project_point, as_user, make_enterprise):
    project, point = project_point
    api = _signed_in(as_user, make_enterprise, project)
    response = api.get(f"/q/{point.code.lower()}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{BLOCKER_FORM}{point.code}")


def test_citizens_keep_the_citizen_page(no_page_cache, project_point, client):
    _, point = project_point
    response = client.get(f"/q/{point.code}")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "blockers/new" not in response.get_data(as_text=True)


@pytest.mark.parametrize("username", ["admin", "inspector", "handler"])
def test_staff_keep_the_citizen_page(no_page_cache, project_point, as_user, username):
    _, point = project_point
    response = as_user(username).get(f"/q/{point.code}")
    assert response.status_code == 200 and response.mimetype == "text/html"


def test_another_projects_enterprise_user_keeps_the_citizen_page(no_page_cache, make_project, as_user,
                                                                  make_enterprise):
    mine, theirs = make_project(), make_project()
    api = _signed_in(as_user, make_enterprise, mine)
    response = api.get(f"/q/{service.point_of(theirs.id).code}")
    assert response.status_code == 200 and response.mimetype == "text/html"


def test_other_points_are_never_redirected(no_page_cache, project_point, as_user, make_enterprise):
    """A window's code is a citizen's page even for an enterprise user."""
    from sqlalchemy import select

    from jiandu.org.models import Point

    project, _ = project_point
    window = db.session.scalar(select(Point).where(Point.type == "window", Point.active).limit(1))
    api = _signed_in(as_user, make_enterprise, project)
    response = api.get(f"/q/{window.code}")
    assert response.status_code == 200 and response.mimetype == "text/html"


def test_an_inactive_project_code_is_not_redirected(no_page_cache, project_point, as_user, make_enterprise):
    project, point = project_point
    point.active = False
    db.session.commit()
    api = _signed_in(as_user, make_enterprise, project)
    response = api.get(f"/q/{point.code}")
    assert response.status_code == 410


def test_a_cached_citizen_page_does_not_hide_the_redirect(app, monkeypatch, project_point, client, as_user,
                                                          make_enterprise):
    from jiandu.intake import cache

    monkeypatch.setitem(app.config, "INTAKE_PAGE_CACHE_SECONDS", 30)
    cache.clear()
    try:
        project, point = project_point
        assert client.get(f"/q/{point.code}").status_code == 200  # the page is now cached
        api = _signed_in(as_user, make_enterprise, project)
        response = api.get(f"/q/{point.code}")
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"{BLOCKER_FORM}{point.code}")
        assert client.get(f"/q/{point.code}").status_code == 200  # and the citizen still gets the page
    finally:
        cache.clear()
