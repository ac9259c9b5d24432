"""The test rig: scripted scenarios against the real app (`kiosk rig`), burn-in and soak.

See docs/rig.md. Nothing here imports Qt at module import time: the bench loads the UI when it
is built (devtools/rig/bench.py).
"""
