"""Invitations: one-time, expiring, stored hashed; the contact may invite up to two colleagues."""
from datetime import timedelta

from sqlalchemy import select

from jiandu.extensions import db
from jiandu.org.models import User
from jiandu.projects.models import ProjectInvitation
from tests.conftest import https_client
from tests.projects.conftest import assert_error


def invite(client, project_id, name="陈经理"):
    r = client.post(f"/api/v1/projects/{project_id}/invitations", json={"display_name": name})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def redeem(app, code, username, password="a-long-password"):
    client = https_client(app)
    r = client.post(f"/api/v1/invitations/{code}/redeem",
                    json={"username": username, "password": password, "display_name": "陈经理"})
    if r.status_code == 201:
        client.csrf = r.get_json()["csrf_token"]
    return client, r


def test_contact_is_invited_sets_a_password_and_sees_the_project(app, as_user, make_project):
    project = make_project()
    body = invite(as_user("inspector"), project.id)
    assert body["url"].endswith(f"/#/invite/{body['code']}") and body["state"] == "pending"
    row = db.session.get(ProjectInvitation, body["id"])
    assert row.code_digest != body["code"] and body["code"] not in row.code_digest  # only the hash is kept
    peek = https_client(app).get(f"/api/v1/invitations/{body['code']}")
    assert peek.status_code == 200 and peek.get_json()["project_name"] == project.name
    client, r = redeem(app, body["code"], "chen-contact")
    assert r.status_code == 201, r.get_json()
    account = db.session.scalar(select(User).where(User.username == "chen-contact"))
    assert (account.role, account.project_id) == ("enterprise", project.id)
    # signed in on this device, and sees its project
    assert client.get(f"/api/v1/projects/{project.id}/timeline").status_code == 200
    # and can sign in again with the password it set
    again = https_client(app)
    assert again.login("chen-contact", "a-long-password").status_code == 200


def test_a_code_works_once(app, as_user, make_project):
    project = make_project()
    body = invite(as_user("admin"), project.id)
    assert redeem(app, body["code"], "first-user")[1].status_code == 201
    _, r = redeem(app, body["code"], "second-user")
    assert_error(r, 410, "invitation_used")
    assert_error(https_client(app).get(f"/api/v1/invitations/{body['code']}"), 410, "invitation_used")
    assert db.session.scalar(select(User).where(User.username == "second-user")) is None


def test_expired_revoked_and_unknown_codes(app, as_user, make_project):
    project = make_project()
    admin = as_user("admin")
    expired = invite(admin, project.id)
    row = db.session.get(ProjectInvitation, expired["id"])
    row.expires_at = row.created_at - timedelta(seconds=1)
    db.session.commit()
    assert_error(redeem(app, expired["code"], "late-user")[1], 410, "invitation_expired")
    revoked = invite(admin, project.id)
    assert admin.delete(f"/api/v1/projects/invitations/{revoked['id']}").get_json()["state"] == "revoked"
    assert_error(redeem(app, revoked["code"], "revoked-user")[1], 410, "invitation_revoked")
    assert_error(redeem(app, "ABCDEFGHJKMNPQRS", "nobody")[1], 404, "invitation_unknown")
    assert_error(redeem(app, "short", "nobody")[1], 404, "invitation_unknown")


def test_a_refused_password_does_not_use_up_the_code(app, as_user, make_project):
    project = make_project()
    body = invite(as_user("admin"), project.id)
    _, r = redeem(app, body["code"], "weak-user", password="short")
    assert "password" in assert_error(r, 422)["fields"]
    _, r = redeem(app, body["code"], "admin")  # taken
    assert "username" in assert_error(r, 422)["fields"]
    assert redeem(app, body["code"], "strong-user")[1].status_code == 201


def test_the_contact_invites_at_most_two_colleagues(app, as_user, make_project):
    project = make_project()
    contact, r = redeem(app, invite(as_user("admin"), project.id)["code"], "the-contact")
    assert r.status_code == 201
    first = invite(contact, project.id, "同事一")
    second = invite(contact, project.id, "同事二")
    assert first["kind"] == second["kind"] == "colleague"
    r = contact.post(f"/api/v1/projects/{project.id}/invitations", json={"display_name": "同事三"})
    assert_error(r, 409, "invitation_limit")
    listing = contact.get(f"/api/v1/projects/{project.id}/invitations").get_json()
    assert listing["colleagues_left"] == 0 and len(listing["items"]) == 2
    # an expired, unused invitation gives its place back
    row = db.session.get(ProjectInvitation, second["id"])
    row.expires_at = row.created_at - timedelta(seconds=1)
    db.session.commit()
    third = invite(contact, project.id, "同事三")
    # a colleague may not invite further
    colleague, r = redeem(app, third["code"], "a-colleague")
    assert r.status_code == 201
    assert_error(colleague.post(f"/api/v1/projects/{project.id}/invitations", json={}), 403, "forbidden")


def test_the_demo_enterprise_user_cannot_invite_for_another_project(as_user, make_project):
    other = make_project("昆都仑区")
    r = as_user("enterprise").post(f"/api/v1/projects/{other.id}/invitations", json={})
    assert_error(r, 404)
    assert_error(as_user("handler").post(f"/api/v1/projects/{other.id}/invitations", json={}), 404)
