"""What the UI shows: `ViewState` and one data builder per screen (`_data_<screen>`).

Builders copy what they show; personal values the public hall may see are masked here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kiosk import privacy
from kiosk.config import FormField
from kiosk.session.core import FlowCore
from kiosk.session.form import LIST_TYPES
from kiosk.session.identify import FACE_ATTEMPTS
from kiosk.session.model import Session


@dataclass(frozen=True)
class ViewState:
    """What the UI shows: a screen id, its data, a message key and the timeout countdown."""

    screen: str
    data: Mapping[str, Any]
    message: str | None
    countdown: int | None
    language: str
    session: int
    # Elderly / high-contrast / lower-reach modes, voice settings, reach band (accessibility).
    accessibility: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able copy for the UI bridge and the rig."""
        return {
            "screen": self.screen,
            "data": dict(self.data),
            "message": self.message,
            "countdown": self.countdown,
            "language": self.language,
            "session": self.session,
            "accessibility": dict(self.accessibility),
        }


def _qr_rows(data: str) -> list[str]:
    """A QR code as rows of '0'/'1' (dark) for the screen to draw; quiet zone included."""
    import qrcode  # a pure-Python encoder, loaded when a work order is shown

    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    return ["".join("1" if cell else "0" for cell in row) for row in code.get_matrix()]


class ViewsMixin(FlowCore):
    """Builds the view of the current screen from the flow's state."""

    def _build_view(self, countdown: int | None) -> ViewState:
        screen = self.screen
        builder = getattr(self, f"_data_{screen}")
        return ViewState(
            screen=screen,
            data=builder(),
            message=self._message,
            countdown=countdown,
            language=self._language,
            session=self._session_counter,
            accessibility=self._accessibility_view(),
        )

    def _t(self, text: Any) -> str:
        return str(text.get(self._language)) if text is not None else ""

    def _service_title(self) -> dict[str, Any]:
        session = self._session
        return {"service_title": self._t(session.service.title) if session else ""}

    def _data_attract(self) -> dict[str, Any]:
        return {
            "centre_name": self._t(self.config.terminal.centre_name),
            "terminal_id": self.config.terminal.id,
            "available": self.any_service_available(),
        }

    def _data_identify(self) -> dict[str, Any]:
        session = self._session
        data = self._service_title()
        data["travel_document_available"] = self.ports.supports_mrz()
        stage = self.stage
        data["mode"] = "travel_document" if stage in ("mrz_entry", "mrz_place") else "id_card"
        data["mrz_stage"] = "place" if stage == "mrz_place" else "entry"
        data["mrz_errors"] = dict(session.mrz_errors) if session else {}
        data["mrz_document_masked"] = session.mrz_masked if session else ""
        return data

    def _data_verify_face(self) -> dict[str, Any]:
        session = self._session
        data = self._service_title()
        data["attempts_left"] = FACE_ATTEMPTS - (session.face_attempts if session else 0)
        return data

    def _data_fill_form(self) -> dict[str, Any]:
        session = self._session
        data = self._service_title()
        fields = []
        if session is not None:
            for f in session.service.fields:
                fields.append(
                    {
                        "id": f.id,
                        "type": f.type,
                        "label": self._t(f.label),
                        "required": f.required,
                        "value": self._form_value(f, session),
                        "error": session.errors.get(f.id),
                        "choices": [
                            {"value": c.value, "label": self._t(c.label)} for c in f.choices
                        ],
                        "prefilled": f.id in session.prefilled,
                        "readonly": f.id in session.prefilled,
                        "max_length": f.max_length,
                        **self._field_extras(f, session),
                    }
                )
            fields.extend(self._delivery_fields(session))
        data["fields"] = fields
        return data

    def _field_extras(self, f: FormField, session: Session) -> dict[str, Any]:
        """What the new field types need besides the common keys (section, lists, rows)."""
        extras: dict[str, Any] = {"section": self._t(f.section) if f.section else ""}
        if f.type == "lookup":
            extras["choices"] = self._lookup_choices(session)
            extras["lookup_state"] = session.lookup_state
            extras["lookup_reason"] = session.lookup_reason
        if f.type == "multi_choice":
            extras["value"] = list(session.lists.get(f.id, []))
            extras["max_choices"] = f.max_choices
        elif f.type == "rows":
            extras["value"] = [dict(r) for r in session.rows.get(f.id, [])]
            extras["columns"] = [
                {
                    "id": c.id,
                    "type": c.type,
                    "label": self._t(c.label),
                    "required": c.required,
                    "max_length": c.max_length,
                }
                for c in f.columns
            ]
            extras["max_rows"] = f.max_rows
            prefix = f.id + "."
            extras["cell_errors"] = {
                k.removeprefix(prefix): v for k, v in session.errors.items() if k.startswith(prefix)
            }
        return extras

    def _form_value(self, f: FormField, session: Session) -> str:
        value = session.values.get(f.id, "")
        if f.id in session.prefilled and f.personal:
            # Read from the card and not editable: shown masked, as the hall is public.
            return privacy.mask_value(f.type, value)
        return value

    def _display_value(self, f: FormField, value: str) -> str:
        session = self._session
        if f.type == "lookup" and session is not None:
            choice = next((c for c in self._lookup_choices(session) if c["value"] == value), None)
            return choice["label"].replace("\n", " ") if choice else value
        if f.type == "choice":
            for c in f.choices:
                if c.value == value:
                    return self._t(c.label)
        if f.personal:
            return privacy.mask_value(f.type, value)
        return value

    def _data_review(self) -> dict[str, Any]:
        session = self._session
        data = self._service_title()
        if session is None:
            return data
        data["fields"] = [
            {
                "label": self._t(f.label),
                "value": self._list_display(session, f)
                if f.type in LIST_TYPES
                else self._display_value(f, session.values.get(f.id, "")),
            }
            for f in session.service.fields
            if (session.lists.get(f.id) or session.rows.get(f.id))
            or (f.type not in LIST_TYPES and session.values.get(f.id))
        ]
        # A 12345 work order has nothing to collect: no delivery choice to show.
        service = session.service
        data["delivery_options"] = [] if service.work_order else list(service.delivery)
        data["delivery"] = session.delivery
        data["courier"] = self._courier_view(session)
        data["outputs"] = list(session.service.outputs)
        return data

    def _data_submitting(self) -> dict[str, Any]:
        return self._service_title()

    def _data_printing(self) -> dict[str, Any]:
        session = self._session
        data = self._service_title()
        data["outputs"] = list(session.service.outputs) if session else []
        return data

    def _data_rating(self) -> dict[str, Any]:
        session = self._session
        if session is None:
            return {"receipt_number": "", "stage": "score", "score": 0, "reasons": []}
        return {
            "receipt_number": session.receipt_number or "",
            "stage": "reasons" if self.stage == "rating_reasons" else "score",
            "score": session.rating or 0,
            "reasons": [
                {
                    "value": r.value,
                    "label": self._t(r.label),
                    "selected": r.value in session.rating_reasons,
                }
                for r in self.config.rating.reasons
            ],
            "comment": session.rating_comment,
            "comment_max_length": self.config.rating.comment_max_length,
            "error": session.rating_error,
            "follow_up_days": self.config.rating.follow_up_working_days,
        }

    def _data_done(self) -> dict[str, Any]:
        session = self._session
        if session is None:
            return {"receipt_number": "", "deadline": None, "printed": False}
        return {
            "receipt_number": session.receipt_number or "",
            "deadline": session.deadline.isoformat() if session.deadline else None,
            "printed": not session.print_failed,
            "work_order": session.service.work_order,
            "id_card_used": session.service.identity != "none",
            "promise": self._t(session.service.promise) if session.service.promise else "",
            "parts": [self._t(p) for p in session.service.parts],
            "deadline_working_days": session.service.deadline_working_days,
            "track_url": self._track_url(session) if session.service.work_order else "",
            "track_qr": _qr_rows(self._track_url(session)) if session.service.work_order else [],
            "delivery": session.delivery,
            "courier": self._courier_view(session),
        }
