"""Reporters' contact details encrypted at rest, with key rotation; codes; passwords."""
from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, InvalidToken

from jiandu.security import (
    CODE_ALPHABET, UndecryptableData, decrypt_contact, encrypt_contact, hash_password, new_code, normalise_code,
    rotate_contact, verify_password,
)

PHONE = "13912345678"


@pytest.fixture
def keys(app, monkeypatch):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()

    def use(*chosen):
        monkeypatch.setitem(app.config, "CONTACT_KEYS", ",".join(chosen))

    use(old)
    return old, new, use


def test_contact_round_trip(keys):
    cipher = encrypt_contact(PHONE)
    assert cipher and PHONE not in cipher
    assert decrypt_contact(cipher) == PHONE
    assert decrypt_contact(encrypt_contact("张三 13912345678")) == "张三 13912345678"
    assert encrypt_contact(PHONE) != cipher  # a fresh IV each time: equal phones are not linkable


def test_empty_contact_stays_empty(keys):
    assert encrypt_contact(None) is None and encrypt_contact("") is None
    assert decrypt_contact(None) is None and decrypt_contact("") is None


def test_a_value_under_an_old_key_still_decrypts_after_rotation(keys):
    old, new, use = keys
    cipher = encrypt_contact(PHONE)
    use(new, old)  # the new key goes first
    assert decrypt_contact(cipher) == PHONE
    fresh = encrypt_contact(PHONE)
    assert Fernet(new.encode()).decrypt(fresh.encode()).decode() == PHONE  # new values use the new key
    with pytest.raises(InvalidToken):
        Fernet(old.encode()).decrypt(fresh.encode())


def test_rotate_contact_reencrypts_under_the_new_key(keys):
    old, new, use = keys
    cipher = encrypt_contact(PHONE)
    use(new, old)
    rotated = rotate_contact(cipher)
    assert rotated != cipher
    assert Fernet(new.encode()).decrypt(rotated.encode()).decode() == PHONE
    use(new)  # the old key retired: the rotated value still reads, the unrotated one does not
    assert decrypt_contact(rotated) == PHONE
    with pytest.raises(UndecryptableData):  # the unrotated one no longer opens: an error, not "no contact"
        decrypt_contact(cipher)
    assert rotate_contact(None) is None


def test_a_value_under_an_unknown_key_is_not_revealed(keys):
    foreign = Fernet(Fernet.generate_key()).encrypt(PHONE.encode()).decode()
    with pytest.raises(UndecryptableData):
        decrypt_contact(foreign)


def test_codes_are_nine_unambiguous_characters():
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(len(c) == 9 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("01IOL") & set(CODE_ALPHABET)


def test_a_typed_code_is_normalised():
    assert normalise_code(" abc-def 234 ") == "ABCDEF234"


def test_passwords_are_hashed_with_argon2(app):
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2") and "correct horse" not in stored
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "wrong horse battery")
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")
