"""The session side of online lookups (营业执照自助打印, 电子证照): state, answers, choices and
what the A4 document prints for the chosen item. The HTTP request itself is the terminal's."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from kiosk.lookup import LOOKUP_READ_TIMEOUT_S
from kiosk.session.core import FlowCore
from kiosk.session.model import Session

log = logging.getLogger("kiosk.session")

# What the licence copy / certificate prints from a lookup item: (item key, printed label).
ENTERPRISE_LABELS = (
    ("credit_code", "统一社会信用代码"),
    ("name", "名称"),
    ("type", "类型"),
    ("legal_representative", "法定代表人"),
    ("registered_capital", "注册资本"),
    ("established_on", "成立日期"),
    ("term", "营业期限"),
    ("address", "住所"),
    ("scope", "经营范围"),
)
CERTIFICATE_LABELS = (
    ("title", "证照名称"),
    ("certificate_id", "证照编号"),
    ("kind", "证照类型"),
    ("issued_on", "发证日期"),
    ("valid_until", "有效期至"),
)


class LookupMixin(FlowCore):
    """Starting a lookup once the citizen is identified, and taking its answer."""

    def _start_lookup(self, session: Session) -> None:
        """Ask the intake for the service's lookup (once the citizen is identified)."""
        kind = session.service.lookup
        holder = session.identity.id_number if session.identity is not None else ""
        if kind is None or not holder:
            return
        self._lookup_request += 1
        session.lookup_state = "loading"
        session.lookup_reason = ""
        session.lookup_items = []
        session.lookup_started_at = self._clock()
        self._message = "lookup.loading"
        self.ports.lookup(kind, holder, self._lookup_request)
        log.info("lookup %s requested", kind)

    def lookup_deadline_s(self) -> float:
        """How long the flow waits for a lookup's answer: its connect and read timeouts + 2 s."""
        intake = self.config.intake
        return intake.connect_timeout_s + min(intake.read_timeout_s, LOOKUP_READ_TIMEOUT_S) + 2

    def _intent_lookup_retry(self, args: dict[str, Any]) -> None:
        session = self._session
        if session is not None and session.lookup_state == "failed":
            self._start_lookup(session)

    def _on_intake_lookup_result(self, payload: Mapping[str, Any]) -> None:
        session = self._session
        if (
            session is None
            or payload.get("request") != self._lookup_request
            or session.lookup_state != "loading"
        ):
            return  # a late answer for a session or a request that is gone
        if not payload.get("ok"):
            session.lookup_state = "failed"
            session.lookup_reason = str(payload.get("reason", "error"))
            self._message = "lookup.failed"
            return
        items = [dict(i) for i in payload.get("items", []) if isinstance(i, Mapping)]
        session.lookup_items = items
        session.lookup_state = "ready"
        self._message = None if items else f"lookup.none_{session.service.lookup}"

    def _lookup_choices(self, session: Session) -> list[dict[str, str]]:
        """The lookup's items as choices: value = credit code or certificate id."""
        choices = []
        for item in session.lookup_items:
            if session.service.lookup == "enterprises":
                value = str(item.get("credit_code", ""))
                label = f"{item.get('name', '')}\n{value}"
            else:
                value = str(item.get("certificate_id", ""))
                label = f"{item.get('title', '')}\n{item.get('issued_on', '')}"
            if value:
                choices.append({"value": value, "label": label})
        return choices

    def _lookup_item(self, session: Session, value: str) -> dict[str, Any] | None:
        key = "credit_code" if session.service.lookup == "enterprises" else "certificate_id"
        return next((i for i in session.lookup_items if str(i.get(key, "")) == value), None)

    def _lookup_document_fields(self, session: Session) -> dict[str, str] | None:
        """What the A4 document prints for the chosen lookup item (None: not a lookup)."""
        spec = next((f for f in session.service.fields if f.type == "lookup"), None)
        if spec is None:
            return None
        item = self._lookup_item(session, session.values.get(spec.id, ""))
        if item is None:
            return {}
        labels: tuple[tuple[str, str], ...] = (
            ENTERPRISE_LABELS if session.service.lookup == "enterprises" else CERTIFICATE_LABELS
        )
        fields = {label: str(item.get(key) or "") for key, label in labels}
        if session.service.lookup == "certificates":
            fields["持证人"] = session.identity.name if session.identity is not None else ""
            fields["出具单位"] = "电子证照库"
        return fields

    def _tick_lookup(self, now: float) -> None:
        """Fail a lookup whose answer is overdue (a hung or crashed lookup job)."""
        session = self._session
        if (
            session is None
            or session.lookup_state != "loading"
            or now - session.lookup_started_at <= self.lookup_deadline_s()
        ):
            return
        # Do not leave the citizen on "loading"; a late answer is ignored (its request is no
        # longer current).
        log.warning("lookup %s gave no answer in time", session.service.lookup)
        self._lookup_request += 1
        self.ports.cancel_lookup()
        session.lookup_state = "failed"
        session.lookup_reason = "timeout"
        self._message = "lookup.failed"
        self._publish()
