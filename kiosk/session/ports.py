"""What the session asks of the terminal (`FlowPorts`): every call returns at once, results
come back as events. `kiosk.terminal.Terminal` implements it; the unit tests use a fake."""

from __future__ import annotations

from typing import Any, Protocol

from drivers.idcard.icao import MrzKey
from drivers.status import DeviceStatus


class FlowPorts(Protocol):
    """What the flow asks of the terminal; every call returns at once, results come as events."""

    def device_status(self, device_class: str) -> DeviceStatus | None:
        """The device's current status, None if not fitted."""

    def connectivity(self) -> str:
        """'online' or 'offline' (the intake API)."""

    def start_face(self, reference_photo: bytes | None) -> None:
        """Begin live face verification against the document photo."""

    def stop_face(self) -> None:
        """Stop face verification (session ended or step left)."""

    def submit(self, service_id: str, payload: dict[str, Any], personal: dict[str, Any]) -> None:
        """Store the transaction durably; answers with an outbox event."""

    def print(self, kind: str, transaction_id: str, document: Any) -> None:
        """Print a receipt (blocks) or an A4 document; answers with a printer event."""

    def supports_mrz(self) -> bool:
        """True when the ID reader also reads travel documents (it takes an MRZ key)."""

    def set_mrz(self, key: MrzKey) -> None:
        """Hand the citizen's MRZ key to the reader.

        A document the chip refused is read again; a key the reader refuses comes back as
        `card_error access_denied`. Personal data: never log it.
        """

    def clear_mrz(self) -> None:
        """Make the reader forget the citizen's MRZ key (session over, card read)."""

    def record_rating(self, payload: dict[str, Any], personal: dict[str, Any]) -> None:
        """Store a 好差评 rating durably as its own transaction (RATING_SERVICE_ID)."""

    def lookup(self, kind: str, holder_id: str, request: int) -> None:
        """Look the holder's enterprises or e-certificates up through the intake, off the GUI
        thread and with a timeout; answers with an ("intake", "lookup_result") event."""

    def cancel_lookup(self) -> None:
        """Drop a lookup that has not run yet; one running must not be answered any more."""
