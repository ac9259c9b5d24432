"""The data of one citizen session.

Everything personal the terminal learns about a citizen (the card record, typed values,
courier details, looked-up items, a rating comment) lives in one `Session` object that only
the flow holds. When the session ends the flow drops that object whole: nothing is cleared
field by field, and the next view is built without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from drivers.idcard import IdentityRecord
from kiosk.config import Service


@dataclass(eq=False)
class Session:
    """One citizen's data; dropped whole when the session ends."""

    service: Service
    values: dict[str, str] = field(default_factory=dict)
    prefilled: set[str] = field(default_factory=set)
    errors: dict[str, str] = field(default_factory=dict)
    identity: IdentityRecord | None = None
    delivery: str = "pickup"
    face_attempts: int = 0
    transaction_id: str | None = None
    receipt_number: str | None = None
    deadline: date | None = None
    pending_prints: set[str] = field(default_factory=set)
    print_failed: bool = False
    print_started_at: float = 0.0
    rating: int | None = None
    rating_reasons: list[str] = field(default_factory=list)
    rating_comment: str = ""
    rating_error: str | None = None
    # Courier delivery: recipient, phone, province/city/district codes and the detail line.
    courier: dict[str, str] = field(default_factory=dict)
    # Values of multi_choice fields (chosen values) and rows fields (one dict per row).
    lists: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    # The service's online lookup (enterprises, e-certificates): "", loading, ready, failed.
    lookup_state: str = ""
    lookup_reason: str = ""
    lookup_items: list[dict[str, Any]] = field(default_factory=list)
    lookup_started_at: float = 0.0  # flow clock; past lookup_deadline_s the lookup has failed
    # Identify with a travel document (the chart's identify sub-states): the key itself is
    # handed to the reader, never kept here.
    mrz_errors: dict[str, str] = field(default_factory=dict)
    mrz_masked: str = ""  # the keyed-in document number, masked, while waiting for it
    mrz_given: bool = False  # a key was handed to the reader this session
