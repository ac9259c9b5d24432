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
                    { id: "config", zh: "配置", en: "Config" },
                    { id: "logs", zh: "日志", en: "Logs" },
                    { id: "system", zh: "系统", en: "System" }
                ]
                KioskButton {
                    objectName: "maintenanceTab_" + modelData.id
                    kind: "secondary"
                    selected: overlay.page === modelData.id
                    implicitHeight: Theme.dp(84)
                    implicitWidth: Math.max(Theme.dp(170), contentItem.implicitWidth + Theme.dp(40))
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
                  : overlay.page === "config" ? "ConfigPanel.qml"
                  : overlay.page === "logs" ? "LogsPanel.qml"
                  : overlay.page === "system" ? "SystemPanel.qml" : "DevicesPanel.qml"
            onLoaded: { item.m = overlay.m; item.t = overlay.t }
        }

        // -- previews: a test print as it will come out, or the live camera with the face box --
        Rectangle {
            id: previewBox
            objectName: "maintenancePreview"
            anchors { left: parent.left; right: parent.right; top: tabs.bottom; bottom: noticeBar.top; margins: Theme.spacing }
            visible: overlay.m.preview !== "" || overlay.m.cameraOn
            color: Theme.surface
            border.color: Theme.border
            border.width: Theme.borderWidth
            radius: Theme.radius
            MouseArea { anchors.fill: parent }  // the panel behind takes no taps meanwhile
            Text {
                id: previewTitle
                anchors { left: parent.left; top: parent.top; margins: Theme.spacing }
                text: overlay.m.cameraOn ? overlay.t("摄像头预览（人脸框）", "Camera preview (face box)")
                      : overlay.m.previewKind === "receipt" ? overlay.t("测试凭条预览", "Test receipt preview")
                      : overlay.t("测试页预览", "Test page preview")
                font.pixelSize: Theme.fontBody
                font.weight: Font.Bold
                color: Theme.text
            }
            KioskButton {
                objectName: "maintenancePreviewClose"
                anchors { right: parent.right; top: parent.top; margins: Theme.dp(12) }
                kind: "secondary"
                implicitHeight: Theme.dp(72)
                implicitWidth: Math.max(Theme.dp(160), contentItem.implicitWidth + Theme.dp(40))
                fontSize: Theme.fontSmall
                text: overlay.t("关闭", "Close")
                onClicked: overlay.m.closePreview()
            }
            Rectangle {
                id: paper
                anchors { left: parent.left; right: parent.right; top: previewTitle.bottom; bottom: parent.bottom; margins: Theme.spacing }
                color: Theme.background
                clip: true
                Image {
                    id: printPreview
                    objectName: "maintenancePrintPreview"
                    anchors.fill: parent
                    anchors.margins: Theme.dp(12)
                    visible: !overlay.m.cameraOn && overlay.m.preview !== ""
                    source: visible ? overlay.m.preview : ""
                    fillMode: Image.PreserveAspectFit
                    cache: false
                    smooth: true
                }
                Image {
                    id: camera
                    objectName: "maintenanceCameraPreview"
                    anchors.fill: parent
                    readonly property bool live: overlay.m.cameraOn && typeof cameraPreview !== "undefined" && cameraPreview.active
                    visible: live
                    source: live ? cameraPreview.source : ""
                    fillMode: Image.PreserveAspectFit
                    cache: false
                    transform: Scale { origin.x: camera.width / 2; xScale: -1 }
                    Rectangle {
                        objectName: "maintenanceFaceBox"
                        readonly property var b: camera.live ? cameraPreview.box : []
                        // PreserveAspectFit: the frame is scaled to fit, then centred.
                        readonly property real s: Math.min(camera.width / Math.max(1, camera.sourceSize.width), camera.height / Math.max(1, camera.sourceSize.height))
                        readonly property real ox: (camera.width - camera.sourceSize.width * s) / 2
                        readonly property real oy: (camera.height - camera.sourceSize.height * s) / 2
                        visible: b.length === 4
                        x: visible ? ox + b[0] * camera.sourceSize.width * s : 0
                        y: visible ? oy + b[1] * camera.sourceSize.height * s : 0
                        width: visible ? b[2] * camera.sourceSize.width * s : 0
                        height: visible ? b[3] * camera.sourceSize.height * s : 0
                        color: "transparent"
                        border.width: Theme.dp(6)
                        border.color: Theme.success
                        radius: Theme.radius
                    }
                }
                Text {
                    anchors.centerIn: parent
                    visible: overlay.m.cameraOn && !camera.live
                    text: overlay.t("等待摄像头画面…", "Waiting for camera frames…")
                    font.pixelSize: Theme.fontBody
                    color: Theme.muted
                }
            }
        }

        Rectangle {
            id: noticeBar
            anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
            height: 64
            color: "#ECEFF1"
            Text {
                objectName: "maintenanceNotice"
                anchors { left: parent.left; leftMargin: 32; verticalCenter: parent.verticalCenter }
                width: parent.width - 64
                elide: Text.ElideMiddle
                text: overlay.m.notice
                font.pixelSize: Theme.fontSmall
                color: Theme.muted
            }
        }
    }
}
