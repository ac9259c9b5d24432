"""The `kiosk-dev` commands, one module each (listed in devtools.cli)."""
