"""A process with a key that does not open the stored documents refuses to serve or write."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import get_settings
from app.db import session_scope
from app.ingest import service
from app.main import create_app
from app.privacy import DataKeyError, generate_data_key
from app.privacy.service import verify_data_key
from app.schema import System

DATA = Path(__file__).resolve().parent.parent / "data"


def test_another_key_is_refused_once_documents_are_stored(db, monkeypatch):
    with session_scope() as s:
        verify_data_key(s)  # nothing stored yet: any key will do
        with (DATA / "reta.csv").open("rb") as fh:
            service.ingest_file(
                s, system=System.RETA, stream=fh, filename="reta.csv", pushed_by="t", channel="cli"
            )
    with session_scope() as s:
        verify_data_key(s)
    monkeypatch.setenv("INTERTRATA_DATA_KEY", generate_data_key())
    get_settings.cache_clear()
    try:
        with session_scope() as s, pytest.raises(DataKeyError, match="no abre"):
            verify_data_key(s)
        with pytest.raises(DataKeyError), TestClient(create_app()):
            pass
        r = CliRunner().invoke(cli, ["link", "--json"])
        assert r.exit_code == 2 and "INTERTRATA_DATA_KEY" in r.output
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
