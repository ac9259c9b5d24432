"""The durable outbox: transactions stored encrypted in SQLite until the intake API has them."""

from offline_cache.errors import NotFound, OutboxCorrupt, OutboxError, StorageFull
from offline_cache.ids import Uuid7Generator, uuid7_time
from offline_cache.outbox import Claimed, Enqueued, Outbox, OutboxItem, Outcome

__all__ = [
    "Claimed",
    "Enqueued",
    "NotFound",
    "Outbox",
    "OutboxCorrupt",
    "OutboxError",
    "OutboxItem",
    "Outcome",
    "StorageFull",
    "Uuid7Generator",
    "uuid7_time",
]
