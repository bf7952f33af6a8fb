"""Keys are stored hashed and verified in constant time."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.roles import Role
from app.auth.service import KeyRequestError, authenticate, create_key
from app.models import ApiKey
from app.schema import System


def test_only_a_hash_of_the_secret_is_stored(session):
    _key, token = create_key(session, role=Role.AGENCY, system=System.RETA)
    stored = session.scalars(select(ApiKey)).one()
    secret = token.split("_", 2)[2]
    assert secret not in stored.secret_hash and len(stored.secret_hash) == 64
    principal = authenticate(session, token=token)
    assert principal is not None and principal.system is System.RETA
    assert authenticate(session, token=token[:-1] + ("A" if token[-1] != "A" else "B")) is None


def test_agency_keys_need_a_system_and_others_must_not_have_one(session):
    with pytest.raises(KeyRequestError):
        create_key(session, role=Role.AGENCY)
    with pytest.raises(KeyRequestError):
        create_key(session, role=Role.ANALYST, system=System.SISTRA)
