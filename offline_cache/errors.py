"""Errors of the outbox; messages never carry personal data."""

from __future__ import annotations


class OutboxError(Exception):
    """Base of every outbox error."""


class StorageFull(OutboxError):
    """The disk (or the outbox's size cap) is full; nothing of the failed write was kept."""


class OutboxCorrupt(OutboxError):
    """The database failed its integrity check; the file was moved aside, not replaced."""


class NotFound(OutboxError, KeyError):
    """No transaction or print job with that id."""

    def __str__(self) -> str:
        # KeyError quotes its argument; keep the plain message.
        return str(self.args[0]) if self.args else ""
