"""好差评: the rating screen's intents and the rating transaction's payload."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from kiosk.session.core import FlowCore
from kiosk.session.model import Session
from kiosk.workdays import add_working_days

log = logging.getLogger("kiosk.session")

# A rating travels to the intake as its own transaction with this service id (catalogue ids
# have no dots, so it cannot clash); its payload references the rated transaction.
RATING_SERVICE_ID = "kiosk.rating"
RATING_LEVELS = ("very_dissatisfied", "dissatisfied", "neutral", "satisfied", "very_satisfied")
BAD_RATING_MAX = 2  # 1-2 stars ask for reasons and are flagged for follow-up


class RatingMixin(FlowCore):
    """Score, then (for a bad score) reasons and a comment, then the stored rating."""

    def _intent_rate(self, args: dict[str, Any]) -> None:
        session = self._session
        if session is None:
            return
        try:
            score = int(args.get("score", 0))
        except (TypeError, ValueError):
            return
        if not 1 <= score <= 5:
            return
        asking = self.stage == "rating_reasons"
        if args.get("confirm") and asking and score == session.rating:
            if not session.rating_reasons and not session.rating_comment.strip():
                session.rating_error = "rating.reason_needed"
                return
            self._record_rating(session)
            return
        session.rating = score
        session.rating_error = None
        if score <= BAD_RATING_MAX:
            if not asking:
                self._chart.send("ask_reasons")  # ask why before storing it
            return
        session.rating_reasons.clear()
        session.rating_comment = ""
        self._record_rating(session)

    def _intent_rating_reason(self, args: dict[str, Any]) -> None:
        """Toggle one of the configured reasons of a bad rating: {"value": "slow"}."""
        session = self._session
        if session is None:
            return
        value = str(args.get("value", ""))
        if value not in {r.value for r in self.config.rating.reasons}:
            return
        if value in session.rating_reasons:
            session.rating_reasons.remove(value)
        else:
            session.rating_reasons.append(value)
        session.rating_error = None

    def _intent_rating_comment(self, args: dict[str, Any]) -> None:
        """The optional short comment on a bad rating (typed; may be personal: never logged)."""
        session = self._session
        if session is None:
            return
        session.rating_comment = str(args.get("text", ""))[: self.config.rating.comment_max_length]
        session.rating_error = None

    def _record_rating(self, session: Session) -> None:
        """Queue the rating as its own transaction referencing the rated one, then finish."""
        score = session.rating or 0
        bad = score <= BAD_RATING_MAX
        due = (
            add_working_days(
                self._wall().date(), self.config.rating.follow_up_working_days, self._calendar
            )
            if bad
            else None
        )
        payload: dict[str, Any] = {
            "kind": "rating",
            "rates_transaction_id": session.transaction_id,
            "rates_receipt_number": session.receipt_number,
            "rated_service_id": session.service.id,
            "department": session.service.department,
            "score": score,
            "level": RATING_LEVELS[score - 1],
            "reasons": list(session.rating_reasons) if bad else [],
            "follow_up": bad,
            "follow_up_due": due.isoformat() if due else None,
            "channel": "kiosk",
            "terminal_id": self.config.terminal.id,
            "rated_at": self._wall().isoformat(timespec="seconds"),
        }
        comment = session.rating_comment.strip() if bad else ""
        personal: dict[str, Any] = {"comment": comment} if comment else {}
        self.ports.record_rating(payload, personal)
        log.info("rating %d for %s%s", score, session.service.id, " (follow-up)" if bad else "")
        self._chart.send("rated")

    def _on_outbox_rating_stored(self, payload: Mapping[str, Any]) -> None:
        log.info("rating stored as %s", payload.get("transaction_id"))

    def _on_outbox_rating_failed(self, payload: Mapping[str, Any]) -> None:
        # The citizen is already done; the metric and the log tell the operator.
        log.error("rating not stored: %s", payload.get("reason", "error"))
