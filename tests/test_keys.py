"""The keys: a production installation is given them; a local one makes them once, safely; data no
key opens is an error, never a missing value; `jiandu keys rotate` moves every encrypted value to the
newest key, after which the old one can go."""
from __future__ import annotations

import logging
import multiprocessing
import os
import stat
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import String, Text, select, update

from jiandu import create_app
from jiandu.config import ROOT
from jiandu.extensions import db
from jiandu.intake.models import Report
from jiandu.key_rotation import encrypted_columns
from jiandu.notify.models import PushSubscription
from jiandu.org.models import Point
from jiandu.security import MissingSecret, encrypt_contact, instance_secret, new_fernet_key
from tests.conftest import test_config

JIANDU = str(ROOT / ".venv" / "bin" / "jiandu")
FERNET_PREFIX = "gAAAAA"  # version byte 0x80 and a timestamp's first zero bytes, in url-safe base64


# --- where the keys come from --------------------------------------------------------------------------

@pytest.mark.parametrize("missing, command", [("CONTACT_KEYS", "jiandu keys new"),
                                              ("SECRET_KEY", "jiandu keys new --secret-key")])
def test_a_production_installation_refuses_to_start_without_its_keys(missing, command):
    with pytest.raises(MissingSecret) as refusal:
        create_app(test_config(JIANDU_ENV="production", **{missing: None}))
    assert missing in str(refusal.value) and command in str(refusal.value)
    assert "\n" not in str(refusal.value)


def test_the_command_line_says_in_one_line_which_key_is_missing_and_still_makes_one(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "CONTACT_KEYS")}
    env.update(JIANDU_ENV="production", SECRET_KEY="a-production-secret", DATABASE_URL=f"sqlite:///{tmp_path}/x.db")
    refused = subprocess.run([JIANDU, "routes"], env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "jiandu: CONTACT_KEYS is not set (JIANDU_ENV=production); make one with: jiandu keys new"]
    made = subprocess.run([JIANDU, "keys", "new"], env=env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    Fernet(made.stdout.strip())  # a working key, printed before any key is configured


def test_a_key_that_is_not_a_fernet_key_stops_the_start_naming_it():
    with pytest.raises(MissingSecret, match="key 2 of 2 is not a Fernet key"):
        create_app(test_config(CONTACT_KEYS=f"{new_fernet_key()},not-a-key"))


def test_development_makes_each_secret_once_readable_by_its_owner_only(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="jiandu.security"):
        first = instance_secret(str(tmp_path), "contact_keys", new_fernet_key)
    assert any("contact_keys was not configured" in r.getMessage() for r in caplog.records)
    assert stat.S_IMODE((tmp_path / "contact_keys").stat().st_mode) == 0o600
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="jiandu.security"):
        assert instance_secret(str(tmp_path), "contact_keys", new_fernet_key) == first
    assert not caplog.records
    assert [p.name for p in tmp_path.iterdir()] == ["contact_keys"]  # no temporary file left behind


def test_a_generated_secret_is_never_readable_by_others(tmp_path, monkeypatch):
    """Even when the process dies right after writing it (here: chmod fails), with a umask of 0."""
    def no_chmod(self, mode, **kwargs):
        raise OSError("killed before chmod")

    monkeypatch.setattr(Path, "chmod", no_chmod)
    previous = os.umask(0)
    try:
        try:
            instance_secret(str(tmp_path), "secret_key", lambda: "s3cret")
        except OSError:
            pass
    finally:
        os.umask(previous)
    for path in tmp_path.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, f"{path.name} is readable by others"


def _slow_key() -> str:
    time.sleep(0.3)  # every process has looked for the file before any writes it
    return new_fernet_key()


def _start(folder: str, barrier, answers) -> None:
    barrier.wait()
    answers.put(instance_secret(folder, "contact_keys", _slow_key))


def test_processes_starting_at_once_end_with_the_same_key(tmp_path):
    context = multiprocessing.get_context("fork")
    barrier, answers = context.Barrier(4), context.Queue()
    processes = [context.Process(target=_start, args=(str(tmp_path), barrier, answers)) for _ in range(4)]
    for process in processes:
        process.start()
    keys = {answers.get(timeout=30) for _ in processes}
    for process in processes:
        process.join(timeout=30)
    assert keys == {(tmp_path / "contact_keys").read_text().strip()}


# --- data no key opens -----------------------------------------------------------------------------------

def _report_with_contact(client, idempotency_key: str):
    window = db.session.scalar(select(Point).where(Point.type == "window", Point.active).order_by(Point.id))
    return client.post("/api/v1/reports", headers={"Idempotency-Key": idempotency_key}, json={
        "point_code": window.code, "kind": "report", "category": "attitude",
        "description": "窗口工作人员态度生硬，让我改天再来", "anonymous": False, "name": "王小明",
        "phone": "13800138000"})


def test_data_no_key_opens_is_an_error_that_says_the_keys_are_wrong_never_a_lost_tracking_code(
        app, client, as_user, monkeypatch, caplog):
    idempotency_key = uuid.uuid4().hex
    first = _report_with_contact(client, idempotency_key)
    assert first.status_code == 201, first.get_json()
    monkeypatch.setitem(app.config, "CONTACT_KEYS", new_fernet_key())  # the old key replaced, not kept second
    inspector = as_user("inspector")
    with caplog.at_level(logging.ERROR, logger="jiandu.security"):
        replayed = _report_with_contact(client, idempotency_key)
        revealed = inspector.get(f"/api/v1/reports/{first.get_json()['report_id']}/contact")
    for answer in (replayed, revealed):
        assert answer.status_code == 500
        error = answer.get_json()["error"]
        assert error["code"] == "keys_mismatch" and "密钥" in error["message"] and error["setting"] == "CONTACT_KEYS"
    assert any("CONTACT_KEYS" in r.getMessage() for r in caplog.records if r.name == "jiandu.security")


# --- rotation --------------------------------------------------------------------------------------------

def _stored_values() -> dict:
    """Every encrypted value in the database: {(table, id, column): value}."""
    found = {}
    for table, columns in encrypted_columns():
        (key,) = table.primary_key.columns
        for row in db.session.execute(select(key, *columns)).all():
            for column in columns:
                if row._mapping[column]:
                    found[(table.name, row._mapping[key], column.name)] = row._mapping[column]
    return found


def _citizen_data(client) -> dict:
    """A real-name report (its contact and its stored answer) and a citizen's push subscription."""
    idempotency_key = uuid.uuid4().hex
    response = _report_with_contact(client, idempotency_key)
    assert response.status_code == 201, response.get_json()
    body = {**response.get_json(), "idempotency_key": idempotency_key}
    db.session.add(PushSubscription(
        report_id=body["report_id"], case_id=body["case_id"], owner_key=f"report:{body['report_id']}",
        endpoint="https://push.example.test/d/1", endpoint_digest=uuid.uuid4().hex, p256dh="p", auth="a",
        tracking_enc=encrypt_contact(body["tracking_token"])))
    db.session.commit()
    return body


def test_every_encrypted_value_is_in_a_column_the_rotation_finds(client):
    _citizen_data(client)
    rotated = {(t.name, c.name) for t, columns in encrypted_columns() for c in columns}
    assert {("reports", "contact_name_enc"), ("reports", "contact_phone_enc"),
            ("intake_idempotency_keys", "response_enc"), ("push_subscriptions", "tracking_enc")} <= rotated
    for table in db.metadata.tables.values():
        for column in table.columns:
            if not isinstance(column.type, (String, Text)) or (table.name, column.name) in rotated:
                continue
            hit = db.session.scalar(select(column).where(column.startswith(FERNET_PREFIX)).limit(1))
            assert hit is None, f"{table.name}.{column.name} holds encrypted data: name it …_enc"


def test_keys_rotate_moves_every_value_to_the_new_key_and_then_the_old_key_can_go(app, client, as_user, monkeypatch):
    old = app.config["CONTACT_KEYS"]
    body = _citizen_data(client)
    new = new_fernet_key()
    monkeypatch.setitem(app.config, "CONTACT_KEYS", f"{new},{old}")  # the new key first, the old one second
    before = _stored_values()
    assert len(before) >= 4

    runner = app.test_cli_runner()
    result = runner.invoke(args=["keys", "rotate", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "reports: " in result.output and " rows read, " in result.output  # progress, batch by batch
    assert "the older keys can be removed" in result.output
    after = _stored_values()
    assert after.keys() == before.keys()
    for where, value in after.items():
        assert value != before[where]
        assert Fernet(new.encode()).decrypt(value.encode()).decode() == \
            Fernet(old.encode()).decrypt(before[where].encode()).decode(), where

    again = runner.invoke(args=["keys", "rotate"])
    assert again.exit_code == 0 and "keys rotate: 0 values re-encrypted" in again.output
    assert _stored_values() == after

    monkeypatch.setitem(app.config, "CONTACT_KEYS", new)  # the old key removed: everything still reads
    contact = as_user("inspector").get(f"/api/v1/reports/{body['report_id']}/contact")
    assert contact.status_code == 200 and contact.get_json()["phone"] == "13800138000"
    replayed = _report_with_contact(client, body["idempotency_key"])
    assert replayed.status_code in (200, 201) and replayed.get_json()["tracking_token"] == body["tracking_token"]


def test_a_rotation_names_what_no_key_opens_and_finishes_when_run_again_with_that_key(app, client, monkeypatch):
    old = app.config["CONTACT_KEYS"]
    body = _citizen_data(client)
    stray = new_fernet_key()  # a key once used, missing from CONTACT_KEYS
    db.session.execute(update(Report).where(Report.id == body["report_id"]).values(
        contact_phone_enc=Fernet(stray.encode()).encrypt(b"13800138000").decode()))
    db.session.commit()
    new = new_fernet_key()
    monkeypatch.setitem(app.config, "CONTACT_KEYS", f"{new},{old}")
    runner = app.test_cli_runner()

    stopped = runner.invoke(args=["keys", "rotate"])
    assert stopped.exit_code == 1
    assert f"reports id {body['report_id']}: contact_phone_enc opens with none of CONTACT_KEYS" in stopped.output
    assert "1 values open with none of CONTACT_KEYS" in stopped.output
    unread = [w for w, v in _stored_values().items() if not _opens(new, v)]
    assert unread == [("reports", body["report_id"], "contact_phone_enc")]  # everything else moved on

    monkeypatch.setitem(app.config, "CONTACT_KEYS", f"{new},{old},{stray}")
    finished = runner.invoke(args=["keys", "rotate"])
    assert finished.exit_code == 0, finished.output
    assert "keys rotate: 1 values re-encrypted" in finished.output  # only what was left
    assert all(_opens(new, v) for v in _stored_values().values())


def _opens(key: str, value: str) -> bool:
    try:
        Fernet(key.encode()).decrypt(value.encode())
    except Exception:
        return False
    return True
