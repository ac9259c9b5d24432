"""The citizen journey as one python-statemachine chart.

The chart checks at definition time that every screen is reachable and none is a trap. Each
screen also declares its policy: whether inactivity ends the session there, which citizen
intents it accepts and which device or outbox events it listens to. `Flow` consults these
tables before any handler runs, so a handler never re-checks where it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from statemachine import State, StateMachine

if TYPE_CHECKING:
    from kiosk.session.model import Session

# Intents every screen takes: they change no session data, only how the terminal presents itself.
GLOBAL_INTENTS = frozenset({"activity", "language", "accessibility"})
# Events every screen takes, as (source, kind); their handlers check the session or request
# they belong to.
GLOBAL_EVENTS = frozenset(
    {
        ("intake", "lookup_result"),
        ("outbox", "rating_stored"),
        ("outbox", "rating_failed"),
    }
)
CARD_EVENTS = tuple(
    ("idcard", kind) for kind in ("card_inserted", "card_read", "card_error", "card_removed")
)
PRINT_EVENTS = tuple(
    (printer, kind) for printer in ("receipt", "licence") for kind in ("printed", "print_failed")
)


class Screen(State):
    """A state of the chart that is also a screen of the UI, with its own policy.

    `times_out`: inactivity ends the session here (False where the citizen waits for the
    terminal). `intents`: citizen actions accepted here besides GLOBAL_INTENTS. `events`:
    (source, kind) events handled here besides GLOBAL_EVENTS; status changes reach every
    screen.
    """

    def __init__(
        self,
        *,
        times_out: bool = True,
        intents: Iterable[str] = (),
        events: Iterable[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.times_out = times_out
        self.intents = GLOBAL_INTENTS | frozenset(intents)
        self.events = GLOBAL_EVENTS | frozenset(events)


_IDENTIFY_INTENTS = ("identify_mode", "back", "cancel")
_FORM_INTENTS = ("input", "row_add", "row_remove", "row_input", "region", "lookup_retry")


class SessionChart(StateMachine):
    """Screens of one citizen session and the transitions between them."""

    attract = Screen(initial=True, times_out=False, intents={"start", "cancel"})
    choose_service = Screen(intents={"department", "theme", "search", "choose_service", "cancel"})

    class identify(State.Compound):
        """The ID card on the reader, or a travel document: its MRZ keyed in, then placed."""

        id_card = Screen(initial=True, intents=_IDENTIFY_INTENTS, events=CARD_EVENTS)
        mrz_entry = Screen(intents={*_IDENTIFY_INTENTS, "mrz"}, events=CARD_EVENTS)
        mrz_place = Screen(intents={*_IDENTIFY_INTENTS, "mrz"}, events=CARD_EVENTS)
        travel_document = id_card.to(mrz_entry) | mrz_entry.to(mrz_entry) | mrz_place.to(mrz_entry)
        key_given = mrz_entry.to(mrz_place) | mrz_place.to(mrz_place)
        use_card = id_card.to(id_card) | mrz_entry.to(id_card) | mrz_place.to(id_card)

    verify_face = Screen(intents={"retry", "back", "cancel"}, events={("camera", "face_result")})
    fill_form = Screen(intents={*_FORM_INTENTS, "delivery", "next", "back", "cancel"})
    review = Screen(intents={"delivery", "submit", "back", "cancel"})
    submitting = Screen(times_out=False, events={("outbox", "enqueued"), ("outbox", "failed")})
    printing = Screen(times_out=False, events=PRINT_EVENTS)

    class rating(State.Compound):
        """好差评: a score; a bad one then asks for reasons before it is stored."""

        rating_score = Screen(initial=True, intents={"rate", "finish", "cancel"})
        rating_reasons = Screen(
            intents={"rate", "rating_reason", "rating_comment", "finish", "cancel"}
        )
        ask_reasons = rating_score.to(rating_reasons)

    done = Screen(intents={"finish", "cancel"})

    start = attract.to(choose_service)
    choose = choose_service.to(identify, cond="needs_card") | choose_service.to(fill_form)
    # (mypy types a compound state's .to() apart from a State's; python-statemachine joins both)
    identified = identify.to(verify_face, cond="needs_face") | identify.to(fill_form)  # type: ignore[operator]
    face_matched = verify_face.to(fill_form)
    to_review = fill_form.to(review)
    back = (
        verify_face.to(choose_service)
        | identify.to(choose_service)
        | fill_form.to(choose_service)
        | review.to(fill_form)
    )
    submit = review.to(submitting)
    submit_failed = submitting.to(review)
    submitted = submitting.to(printing)
    printed = printing.to(rating)
    rated = rating.to(done)
    end = (
        choose_service.to(attract)
        | identify.to(attract)
        | verify_face.to(attract)
        | fill_form.to(attract)
        | review.to(attract)
        | rating.to(attract)
        | done.to(attract)
    )

    def __init__(self, session_ref: Callable[[], Session | None]) -> None:
        self._session_ref = session_ref
        super().__init__()

    def needs_card(self) -> bool:
        session = self._session_ref()
        return session is not None and session.service.identity != "none"

    def needs_face(self) -> bool:
        session = self._session_ref()
        return session is not None and session.service.identity == "id_card_face"


def _screens(states: Iterable[State]) -> Iterator[Screen]:
    for state in states:
        if isinstance(state, Screen):
            yield state
        else:  # a compound state: its policy is its sub-states'
            yield from _screens(state.states)


# Every state with a policy, sub-states included (a compound state has none of its own).
SCREENS: dict[str, Screen] = {s.id: s for s in _screens(SessionChart.states)}


def current(chart: SessionChart) -> tuple[str, str]:
    """(screen, stage): the top-level state the UI shows, and the innermost active state whose
    policy applies (the same as the screen unless the screen has sub-states)."""
    active = list(chart.configuration)
    return active[0].id, active[-1].id


def times_out(screen: str) -> bool:
    """True when inactivity on `screen` (a SCREENS key) ends the session."""
    return SCREENS[screen].times_out


def accepts_intent(screen: str, intent: str) -> bool:
    """True when `screen` takes the citizen's `intent`."""
    return intent in SCREENS[screen].intents


def accepts_event(screen: str, source: str, kind: str) -> bool:
    """True when `screen` handles the `source` device's (or outbox's) `kind` event."""
    return kind == "status_changed" or (source, kind) in SCREENS[screen].events
