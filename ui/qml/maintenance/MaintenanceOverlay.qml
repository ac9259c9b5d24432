import QtQuick
import QtQuick.Controls.Basic
import "../components"

// Maintenance mode over the citizen screens: the "waiting" badge, the PIN pad (and lockout),
// and the technician's screens. All state comes from `maintenance` (ui.maintenance bridge).
// Technician texts are bilingual here rather than qsTr: they are not part of the citizen UI.
Item {
    id: overlay
    objectName: "maintenanceOverlay"
    property var m: maintenance
    property string lang: bridge.language
    property string page: "devices"
    visible: m.mode !== "closed"

    function t(zh, en) { return lang === "en" ? en : zh }

    // -- waiting for the citizen's session to end: a small badge, not over the citizen's page --
    Rectangle {
        objectName: "maintenanceWaiting"
        visible: overlay.m.mode === "waiting"
        anchors { right: parent.right; bottom: parent.bottom; margins: 16 }
        width: waitRow.implicitWidth + 32
        height: 72
        radius: 12
        color: Theme.warningLight
        border.color: Theme.warning
        Row {
            id: waitRow
            anchors.centerIn: parent
            spacing: 16
            Text {
                anchors.verticalCenter: parent.verticalCenter
                text: overlay.t("维护：等待当前业务结束", "Maintenance: waiting for the session to end")
                font.pixelSize: Theme.fontSmall
                color: Theme.warning
            }
            Text {
                objectName: "maintenanceWaitCancel"
                anchors.verticalCenter: parent.verticalCenter
                text: "✕"
                font.pixelSize: Theme.fontSmall
                color: Theme.warning
                MouseArea { anchors.fill: parent; anchors.margins: -16; onClicked: overlay.m.cancel() }
            }
        }
    }

    // -- PIN pad and lockout -----------------------------------------------------------------
    Rectangle {
        objectName: "maintenancePinScreen"
        anchors.fill: parent
        visible: overlay.m.mode === "pin" || overlay.m.mode === "locked"
        color: Qt.rgba(0.04, 0.1, 0.2, 0.85)
        MouseArea { anchors.fill: parent }  // nothing reaches the citizen page behind
        PinPad {
            anchors.centerIn: parent
            m: overlay.m
            t: overlay.t
        }
    }

    // -- the technician's screens ------------------------------------------------------------
    Rectangle {
        objectName: "maintenanceScreen"
        anchors.fill: parent
        visible: overlay.m.mode === "open"
        color: Theme.background
        MouseArea { anchors.fill: parent; onPressed: (mouse) => { overlay.m.activity(); mouse.accepted = false } }

        Rectangle {
            id: header
            anchors { left: parent.left; right: parent.right; top: parent.top }
            height: 120
            color: "#263238"
            Text {
                anchors { left: parent.left; leftMargin: 32; verticalCenter: parent.verticalCenter }
                text: overlay.t("维护模式", "Maintenance") + "  ·  " + (overlay.m.view.user || "")
                      + " (" + (overlay.m.view.role || "") + ")"
                color: "white"
                font.pixelSize: Theme.fontLarge
                font.weight: Font.Bold
            }
            KioskButton {
                objectName: "maintenanceExit"
                anchors { right: parent.right; rightMargin: 24; verticalCenter: parent.verticalCenter }
                kind: "danger"
                implicitHeight: 84
                fontSize: Theme.fontSmall
                text: overlay.t("退出维护", "Exit")
                onClicked: overlay.m.exit()
            }
        }

        Row {
            id: tabs
            anchors { left: parent.left; right: parent.right; top: header.bottom; margins: 24 }
            spacing: 16
            Repeater {
                model: [
                    { id: "devices", zh: "设备", en: "Devices" },
                    { id: "queue", zh: "队列", en: "Queue" },
                    { id: "config", zh: "配置", en: "Config" }
                ]
                KioskButton {
                    objectName: "maintenanceTab_" + modelData.id
                    kind: "secondary"
                    selected: overlay.page === modelData.id
                    implicitHeight: 84
                    fontSize: Theme.fontSmall
                    text: overlay.t(modelData.zh, modelData.en)
                    onClicked: { overlay.page = modelData.id; overlay.m.refresh() }
                }
            }
        }

        Loader {
            objectName: "maintenancePage"
            anchors { left: parent.left; right: parent.right; top: tabs.bottom; bottom: noticeBar.top; margins: 24 }
            source: overlay.page === "queue" ? "QueuePanel.qml"
                  : overlay.page === "config" ? "ConfigPanel.qml" : "DevicesPanel.qml"
            onLoaded: { item.m = overlay.m; item.t = overlay.t }
        }

        Rectangle {
            id: noticeBar
            anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
            height: 64
            color: "#ECEFF1"
            Text {
                objectName: "maintenanceNotice"
                anchors { left: parent.left; leftMargin: 32; verticalCenter: parent.verticalCenter }
                text: overlay.m.notice
                font.pixelSize: Theme.fontSmall
                color: Theme.muted
            }
        }
    }
}
