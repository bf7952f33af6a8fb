"""Sealing: round trips, fresh nonces, wrong keys and altered values fail cleanly."""

from __future__ import annotations

import base64

import pytest

from app.privacy import PREFIX, DataKeyError, Sealer, is_sealed

KEY = bytes(range(32))
OTHER = bytes(range(1, 33))


@pytest.mark.parametrize("value", ["07654321", "AB-123 ñ", 12345678, 4.5, ""])
def test_round_trip_keeps_value_and_type(value):
    sealer = Sealer(KEY)
    text = sealer.seal(value)
    assert text.startswith(PREFIX) and is_sealed(text)
    assert str(value) not in text[len(PREFIX) :] or value == ""
    assert sealer.open(text) == value
    assert type(sealer.open(text)) is type(value)


def test_same_value_seals_differently_each_time():
    sealer = Sealer(KEY)
    assert sealer.seal("07654321") != sealer.seal("07654321")


def test_wrong_key_fails_cleanly():
    text = Sealer(KEY).seal("07654321")
    with pytest.raises(DataKeyError, match="INTERTRATA_DATA_KEY"):
        Sealer(OTHER).open(text)


def test_altered_ciphertext_fails_cleanly():
    text = Sealer(KEY).seal("07654321")
    body = bytearray(base64.urlsafe_b64decode(text[len(PREFIX) :] + "=="))
    body[-1] ^= 1
    altered = PREFIX + base64.urlsafe_b64encode(bytes(body)).decode().rstrip("=")
    with pytest.raises(DataKeyError):
        Sealer(KEY).open(altered)
    with pytest.raises(DataKeyError):
        Sealer(KEY).open(PREFIX + "not base64 at all!")
    with pytest.raises(DataKeyError):
        Sealer(KEY).open("07654321")


def test_keyed_hashes_depend_on_the_key_and_the_type():
    a, b = Sealer(KEY), Sealer(OTHER)
    assert a.document_hash("DNI", "07654321") == a.document_hash("DNI", "07654321")
    assert a.document_hash("DNI", "07654321") != b.document_hash("DNI", "07654321")
    assert a.document_hash("DNI", "07654321") != a.document_hash("CE", "07654321")
    assert a.content_hash("{}") != b.content_hash("{}")
    assert len(a.content_hash("{}")) == 64
