"""The data key: from the environment, a key file for the embedded database, none on PostgreSQL."""

from __future__ import annotations

import base64
import stat

import pytest

from app.config import Settings
from app.privacy import DataKeyError, generate_data_key, load_data_key


def test_key_from_the_environment_in_either_base64_alphabet():
    raw = bytes([251] * 32)
    texts = (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode().rstrip("="))
    for text in texts:
        assert load_data_key(Settings(data_key=text, database_url="postgresql://x/y")) == raw
    assert len(base64.b64decode(generate_data_key())) == 32


@pytest.mark.parametrize("bad", ["short", base64.b64encode(b"x" * 16).decode(), "é" * 44])
def test_malformed_key_is_refused(bad):
    with pytest.raises(DataKeyError, match="INTERTRATA_DATA_KEY"):
        load_data_key(Settings(data_key=bad, database_url="postgresql://x/y"))


def test_postgresql_without_a_key_refuses_in_spanish_and_english():
    with pytest.raises(DataKeyError, match="Falta INTERTRATA_DATA_KEY") as exc:
        load_data_key(Settings(data_key="", database_url="postgresql+psycopg://u@h/db"))
    assert "is not set" in str(exc.value)


def test_embedded_database_without_a_key_gets_a_private_key_file(tmp_path):
    settings = Settings(data_key="", database_url=f"sqlite:///{tmp_path}/var/intertrata.db")
    first = load_data_key(settings)
    path = tmp_path / "var" / "data-key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert base64.b64decode(path.read_text()) == first
    assert load_data_key(settings) == first  # kept across restarts


def test_in_memory_database_gets_a_process_key():
    settings = Settings(data_key="", database_url="sqlite:///:memory:")
    assert len(load_data_key(settings)) == 32
