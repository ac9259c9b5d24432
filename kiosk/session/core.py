"""What the screen modules share: the flow's state, and the methods one module calls in another.

`Flow` is assembled from one mixin per screen module (browse, identify, form, delivery, lookup,
transaction, rating, views); each mixin derives from `FlowCore`, so the type checker knows the
state they share and checks every cross-module call against the implementation that `Flow`
ends up with.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kiosk.catalogue import Catalogue
from kiosk.config import FormField, KioskConfig, Service
from kiosk.session.chart import SessionChart
from kiosk.session.model import Session
from kiosk.session.ports import FlowPorts
from kiosk.workdays import WorkCalendar

if TYPE_CHECKING:
    from kiosk.session.views import ViewState


class FlowCore:
    """The state of one terminal's flow (set in `Flow.__init__`)."""

    config: KioskConfig
    ports: FlowPorts
    _clock: Callable[[], float]
    _wall: Callable[[], datetime]
    _calendar: WorkCalendar | None
    _session: Session | None  # the one reference to the citizen's data
    _chart: SessionChart
    _session_counter: int
    _lookup_request: int  # answers to older lookups are ignored
    _published_minute: datetime | None
    _language: str
    _access: dict[str, Any]
    _message: str | None
    _catalogue: Catalogue | None
    _search_cache: tuple[Catalogue, str, list[str]] | None
    _browse_mode: str  # "department" | "theme" | "search"
    _department: str
    _theme: str
    _query: str
    _last_activity: float
    _view: ViewState

    if TYPE_CHECKING:  # implemented by the module named in each comment

        @property
        def screen(self) -> str: ...  # flow

        @property
        def stage(self) -> str: ...  # flow

        @property
        def accessibility(self) -> dict[str, Any]: ...  # flow

        def _publish(self) -> None: ...  # flow
        def _accessibility_view(self) -> dict[str, Any]: ...  # flow
        def any_service_available(self) -> bool: ...  # flow
        def service_unavailable_reason(self, service: Service) -> str | None: ...  # flow
        def _reset_browse(self) -> None: ...  # browse
        def _forget_mrz(self, session: Session) -> None: ...  # identify
        def _validate(self, session: Session) -> dict[str, str]: ...  # form
        def _list_value(self, session: Session, f: FormField) -> Any: ...  # form
        def _list_display(self, session: Session, f: FormField) -> str: ...  # form
        def _input_delivery(self, session: Session, field_id: str, value: str) -> None: ...
        def _courier_errors(self, session: Session) -> dict[str, str]: ...  # delivery
        def _courier_address(self, session: Session) -> str: ...  # delivery
        def _courier_receipt_lines(self, session: Session) -> tuple[str, ...]: ...  # delivery
        def _courier_view(self, session: Session) -> dict[str, str] | None: ...  # delivery
        def _delivery_fields(self, session: Session) -> list[dict[str, Any]]: ...  # delivery
        def _start_lookup(self, session: Session) -> None: ...  # lookup
        def _tick_lookup(self, now: float) -> None: ...  # lookup
        def _lookup_choices(self, session: Session) -> list[dict[str, str]]: ...  # lookup
        def _lookup_item(self, session: Session, value: str) -> dict[str, Any] | None: ...
        def _lookup_document_fields(self, session: Session) -> dict[str, str] | None: ...
        def _tick_printing(self, now: float) -> bool: ...  # transaction
        def _track_url(self, session: Session) -> str: ...  # transaction
        def _build_view(self, countdown: int | None) -> ViewState: ...  # views
        def _t(self, text: Any) -> str: ...  # views
