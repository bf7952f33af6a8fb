"""Checks of the data key against the database, before a process serves or writes anything."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.privacy import repository
from app.privacy.crypto import get_sealer
from app.privacy.keys import DataKeyError

__all__ = ["verify_data_key"]


def verify_data_key(session: Session) -> None:
    """Raise DataKeyError when the key is missing or does not open the stored documents."""
    sealer = get_sealer()
    samples = repository.sealed_samples(session)
    if samples:
        try:
            sealer.open(samples[0])
        except DataKeyError:
            # Writing on with another key would mix two keys in one database.
            raise DataKeyError(
                "INTERTRATA_DATA_KEY no abre los números de documento guardados: no es la clave "
                "con la que se cifraron. / INTERTRATA_DATA_KEY does not open the stored document "
                "numbers: it is not the key they were encrypted with."
            ) from None
