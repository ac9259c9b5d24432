"""The citizen session: a Qt-free state chart and the flow that runs it.

`Flow` takes intents from the UI, events from devices and the outbox, and a periodic `tick`;
it publishes a `ViewState`. See `chart` for the journey on one screen.
"""

from kiosk.session.flow import Flow
from kiosk.session.ports import FlowPorts
from kiosk.session.rating import RATING_SERVICE_ID
from kiosk.session.views import ViewState

__all__ = ["RATING_SERVICE_ID", "Flow", "FlowPorts", "ViewState"]
