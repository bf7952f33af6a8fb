"""Audit trail."""

from app.audit.service import record

__all__ = ["record"]
