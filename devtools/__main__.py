"""`python -m devtools ARGS` is `kiosk-dev ARGS`."""

import sys

from devtools.cli import main

sys.exit(main())
