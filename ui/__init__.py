"""Qt Quick user interface of the kiosk: QML pages over the Qt-free citizen flow."""
