"""Resumable photo uploads: cut at any byte, resumed from what the server says it holds."""
from __future__ import annotations

import io
import random

import pytest
from PIL import Image
from sqlalchemy import select

from jiandu.errors import NotFound
from jiandu.extensions import db
from jiandu.files.models import FieldPhoto
from jiandu.files.uploads import _part, finalize_for, receive
from tests.fieldwork.conftest import new_id, photo_bytes, user


def put(api, uid, data, start, total):
    return api.put(f"/api/v1/uploads/{uid}", data=data,
                   headers={"Content-Range": f"bytes {start}-{start + len(data) - 1}/{total}"})


def held(api, uid) -> int:
    response = api.http.head(f"/api/v1/uploads/{uid}")
    if response.status_code == 404:
        return 0
    return int(response.headers["Upload-Offset"])


@pytest.mark.parametrize("seed", range(8))
def test_upload_cut_at_random_offsets_resumes_and_sends_only_the_rest(inspector, seed):
    rng = random.Random(seed)
    data = photo_bytes(size=(900 + seed * 10, 700))
    uid = new_id()
    sent = 0
    while held(inspector, uid) < len(data):
        offset = held(inspector, uid)
        chunk = data[offset:offset + rng.randint(1, 96 * 1024)]
        cut = rng.randint(0, len(chunk))  # the connection drops after `cut` bytes reached the server
        if cut < len(chunk) and rng.random() < 0.6:
            if cut:
                assert put(inspector, uid, chunk[:cut], offset, len(data)).status_code == 200
            sent += cut
            continue
        response = put(inspector, uid, chunk, offset, len(data))
        assert response.status_code == 200
        sent += len(chunk)
    assert sent == len(data)  # never a byte twice
    status = inspector.get(f"/api/v1/uploads/{uid}").get_json()
    assert status == {"uuid": uid, "size": len(data), "received": len(data), "state": "received",
                      "complete": True, "reason": None}


def test_overlapping_and_repeated_chunks_are_harmless_and_a_gap_is_refused(inspector):
    data = photo_bytes()
    uid = new_id()
    assert put(inspector, uid, data[:1000], 0, len(data)).get_json()["received"] == 1000
    assert put(inspector, uid, data[:1000], 0, len(data)).get_json()["received"] == 1000  # replay
    assert put(inspector, uid, data[500:2000], 500, len(data)).get_json()["received"] == 2000  # overlap
    gap = put(inspector, uid, data[3000:4000], 3000, len(data))
    assert gap.status_code == 409 and gap.headers["Upload-Offset"] == "2000"
    assert put(inspector, uid, data[2000:], 2000, len(data)).get_json()["complete"] is True
    row = db.session.scalar(select(FieldPhoto).where(FieldPhoto.uuid == uid))
    finalize_for(row.owner_id, [uid])
    stored = inspector.get(f"/api/v1/uploads/{uid}/content")
    assert stored.status_code == 200 and stored.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(stored.data))
    assert not image.getexif()  # no EXIF, so no GPS
    # The part file is gone once the photo is clean.
    assert put(inspector, uid, data[:10], 0, len(data)).get_json()["state"] == "clean"


def test_bad_ranges_and_sizes(inspector):
    uid = new_id()
    assert inspector.put(f"/api/v1/uploads/{uid}", data=b"abc").status_code == 400
    assert put(inspector, uid, b"abc", 0, 2).status_code == 400
    assert inspector.put(f"/api/v1/uploads/{uid}", data=b"abc",
                         headers={"Content-Range": "bytes 0-9/10"}).status_code == 400
    assert put(inspector, uid, b"abc", 0, 9 * 1024 * 1024).status_code == 413
    assert put(inspector, "bad", b"abc", 0, 10).status_code == 422
    assert put(inspector, uid, b"abc", 0, 10).status_code == 200
    assert put(inspector, uid, b"def", 3, 11).status_code == 409  # the total cannot change


def test_another_users_upload_does_not_exist_for_them(as_user, inspector):
    data = photo_bytes()
    uid = new_id()
    put(inspector, uid, data[:100], 0, len(data))
    other = as_user("county-inspector")
    assert other.get(f"/api/v1/uploads/{uid}").status_code == 404
    assert put(other, uid, data[100:200], 100, len(data)).status_code == 404


def test_uploads_need_a_session_and_csrf(client, inspector):
    uid = new_id()
    assert client.put(f"/api/v1/uploads/{uid}", data=b"abc",
                      headers={"Content-Range": "bytes 0-2/3"}).status_code == 401
    assert inspector.http.put(f"/api/v1/uploads/{uid}", data=b"abc",
                              headers={"Content-Range": "bytes 0-2/3"}).status_code == 403


class _CutStream:
    """A request body whose connection drops after `cut` bytes."""

    def __init__(self, data: bytes, cut: int):
        self.data, self.cut, self.offset = data, cut, 0

    def read(self, size: int) -> bytes:
        if self.offset >= self.cut:
            raise OSError("connection reset")
        piece = self.data[self.offset:min(self.offset + size, self.cut)]
        self.offset += len(piece)
        return piece


@pytest.mark.parametrize("seed", range(5))
def test_a_body_cut_mid_request_keeps_every_byte_that_arrived(inspector, seed):
    rng = random.Random(100 + seed)
    data = photo_bytes()
    uid = new_id()
    owner = user("inspector")
    held_now = 0
    while held_now < len(data):
        cut = rng.randint(held_now + 1, len(data))
        status = receive(owner, uid, held_now, len(data), _CutStream(data[held_now:], cut - held_now))
        assert status.received == cut  # exactly what arrived, whatever byte the cut fell on
        held_now = int(held(inspector, uid))
        assert held_now == cut
    assert inspector.get(f"/api/v1/uploads/{uid}").get_json()["state"] == "received"


def test_a_part_file_shorter_than_acknowledged_is_received_again(inspector):
    data = photo_bytes()
    uid = upload_whole(inspector, data)
    row = db.session.scalar(select(FieldPhoto).where(FieldPhoto.uuid == uid))
    path = _part(row.owner_id, uid)
    path.write_bytes(path.read_bytes()[:1000])  # the tail never reached the disk
    finalize_for(row.owner_id, [uid])
    assert row.state == "receiving"
    assert held(inspector, uid) == 1000
    assert put(inspector, uid, data[1000:], 1000, len(data)).get_json()["complete"] is True


def upload_whole(api, data):
    uid = new_id()
    assert put(api, uid, data, 0, len(data)).get_json()["complete"] is True
    return uid


class _WatchedStream:
    """A request body that notes, at every read, whether the database session has a transaction open."""

    def __init__(self, data: bytes, on_first_read=None):
        self.data, self.offset, self.open_transaction, self.on_first_read = data, 0, [], on_first_read

    def read(self, size: int) -> bytes:
        if self.offset == 0 and self.on_first_read is not None:
            self.on_first_read()
        self.open_transaction.append(db.session().in_transaction())
        piece = self.data[self.offset:self.offset + size]
        self.offset += len(piece)
        return piece


def test_no_transaction_is_open_while_a_body_arrives(inspector):
    """A phone may take seconds to send a photo: the database is neither locked nor read meanwhile."""
    data = photo_bytes(size=(1600, 1200))
    uid, owner = new_id(), user("inspector")
    first = _WatchedStream(data[:len(data) // 2])
    assert receive(owner, uid, 0, len(data), first).received == len(data) // 2
    rest = _WatchedStream(data[len(data) // 2:])
    assert receive(user("inspector"), uid, len(data) // 2, len(data), rest).state == "received"
    assert first.open_transaction and not any(first.open_transaction + rest.open_transaction)
    assert held(inspector, uid) == len(data)


def test_two_users_racing_with_one_uuid_never_mix_bytes(inspector):
    """User B starts a photo under a uuid no one has yet; user A's photo with that uuid is stored while
    B's body is still arriving. B's bytes went to a part file of B's own, and go; A's photo is intact."""
    mine, theirs = photo_bytes(color=(200, 30, 30)), photo_bytes(color=(30, 200, 30))
    uid = new_id()
    owner, other = user("inspector"), user("county-inspector")
    owner_id, other_id = owner.id, other.id

    def owner_gets_there_first():
        assert receive(owner, uid, 0, len(mine), mine).state == "received"

    with pytest.raises(NotFound):
        receive(other, uid, 0, len(theirs), _WatchedStream(theirs, on_first_read=owner_gets_there_first))
    assert not _part(other_id, uid).exists()
    assert _part(owner_id, uid).read_bytes() == mine
    row = db.session.scalar(select(FieldPhoto).where(FieldPhoto.uuid == uid))
    assert row.owner_id == owner_id and row.state == "received"
