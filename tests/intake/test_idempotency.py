"""Idempotency keys of submissions: random enough, bound to the client that sent them, hashed with a key."""
import hashlib
import json
import secrets
import uuid

import pytest
from sqlalchemy import func, select

from jiandu.extensions import db
from jiandu.intake import service
from jiandu.intake.models import IdempotencyKey, Report
from tests.intake.conftest import new_device

REPORT = {"kind": "report", "category": "extortion", "description": "窗口工作人员暗示要好处费才给办",
          "anonymous": False, "name": "王小明", "phone": "13800138000"}


def reports() -> int:
    return db.session.scalar(select(func.count()).select_from(Report))


def test_another_client_with_the_same_key_and_body_gets_its_own_report_not_the_first_ones_code(anon, submit,
                                                                                               window):
    shared_key = uuid.uuid4().hex
    first = submit(window, headers={**new_device(anon, window), "Idempotency-Key": shared_key}, **REPORT)
    assert first.status_code == 201
    before = reports()
    other = submit(window, headers={**new_device(anon, window), "Idempotency-Key": shared_key}, **REPORT)
    assert other.status_code == 201 and other.headers.get("Idempotent-Replayed") is None
    assert other.get_json()["tracking_token"] != first.get_json()["tracking_token"]
    assert other.get_json()["report_id"] != first.get_json()["report_id"]
    assert reports() == before + 1
    # Without a device the address is who sent it: another address, another submission.
    anon.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    third = submit(window, headers={"Idempotency-Key": shared_key}, **REPORT)
    assert third.status_code == 201 and third.get_json()["tracking_token"] != first.get_json()["tracking_token"]


@pytest.mark.parametrize("weak", ["abcdefgh", "k-1234567890", "0123456789abcdef0123456789abcde",
                                  "a" * 21, "token with spaces in it!!", "x" * 81, ""])
def test_an_idempotency_key_must_carry_128_bits(submit, window, weak):
    before = reports()
    response = submit(window, headers={"Idempotency-Key": weak}, **REPORT)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_idempotency_key" and "128" in error["fields"]["idempotency_key"]
    assert reports() == before


@pytest.mark.parametrize("strong", [uuid.uuid4().hex, str(uuid.uuid4()), secrets.token_urlsafe(16),
                                    secrets.token_hex(18)])
def test_random_keys_of_128_bits_are_taken(submit, window, strong):
    assert submit(window, headers={"Idempotency-Key": strong}, **REPORT).status_code == 201


def test_what_is_stored_of_a_key_reveals_neither_the_key_nor_the_reporters_phone(submit, window):
    client_key = uuid.uuid4().hex
    body = submit(window, headers={"Idempotency-Key": client_key}, **REPORT).get_json()
    row = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.report_id == body["report_id"]))
    assert row.key != client_key and client_key not in row.key
    content = service.canonical(service.Submission(fields={"point_code": window.code, **REPORT}))
    plain = hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    assert content["phone"] == "13800138000" and row.body_hash != plain  # no dictionary of phones opens it
