"""Every message key the session core puts in `ViewState.message`.

The UI translates these (ui/qml/Texts.qml); a key missing there shows raw on the screen, so a
new key is added here and there together. Field error keys ("required", "invalid.*") are not
messages: they travel in the view data of the field they belong to.
"""

from __future__ import annotations

DEVICE_CLASSES = ("idcard", "camera", "receipt", "licence")
LOOKUP_KINDS = ("enterprises", "certificates")

MESSAGES = frozenset(
    {
        "courier.details_needed",
        "face.failed",
        "face.look",
        "face.retry",
        "form.has_errors",
        "idcard.insert",
        "idcard.insert_travel",
        "idcard.invalid",
        "idcard.mrz",
        "idcard.mrz_enter",
        "idcard.mrz_needed",
        "idcard.reading",
        "idcard.reinsert",
        "idcard.unavailable",
        "idcard.unsupported",
        "lookup.failed",
        "lookup.loading",
        "print.failed",
        "rating.reason_needed",
        "service.unknown",
        "session.timeout",
        "submit.failed",
        "submit.storage_full",
        "terminal.out_of_service",
        "unavailable.hours",
        "unavailable.offline",
        *(f"unavailable.{device}" for device in DEVICE_CLASSES),
        *(f"lookup.none_{kind}" for kind in LOOKUP_KINDS),
    }
)
