"""Reference implementation of the intake API (docs/intake-api.yaml): a dev tool, not shipped.

`store` keeps the data (SQLite), `chaos` the failures `--chaos` injects, `http` serves the API
with a route table. `kiosk-dev intake-server --db FILE --port N` runs it.
"""

from devtools.intake_server.chaos import BIG_BODY_BYTES, CHAOS_MODES, Chaos
from devtools.intake_server.pdf import minimal_pdf
from devtools.intake_server.server import IntakeServer
from devtools.intake_server.store import (
    ENTERPRISE_SERVICE_ID,
    MAX_BATCH,
    RATING_SERVICE_ID,
    IntakeStore,
)
from devtools.samples import DEMO_CREDIT_CODE, DEMO_HOLDER

__all__ = [
    "BIG_BODY_BYTES",
    "CHAOS_MODES",
    "DEMO_CREDIT_CODE",
    "DEMO_HOLDER",
    "ENTERPRISE_SERVICE_ID",
    "MAX_BATCH",
    "RATING_SERVICE_ID",
    "Chaos",
    "IntakeServer",
    "IntakeStore",
    "minimal_pdf",
]
