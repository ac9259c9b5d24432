"""24-hour government self-service terminal: the Qt-free core."""

__version__ = "0.1.0"
