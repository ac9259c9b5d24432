import QtQuick
import QtQuick.Controls.Basic
import "../components"

// One card per device: state, status code, severity, action (DEVICES.md), last error, tests.
ListView {
    id: list
    objectName: "maintenanceDevices"
    property var m
    property var t
    clip: true
    spacing: 16
    model: m ? m.devices : []

    readonly property var names: ({
        "idcard": ["身份证读卡器", "ID card reader"],
        "receipt": ["凭条打印机", "Receipt printer"],
        "licence": ["A4 证照打印机", "A4 document printer"],
        "camera": ["摄像头", "Camera"]
    })

    function severityColour(s) {
        return s === "alarm" ? Theme.error : s === "warning" ? Theme.warning : Theme.success
    }

    delegate: Rectangle {
        width: list.width
        height: card.implicitHeight + 40
        radius: Theme.radius
        color: Theme.surface
        border.color: list.severityColour(modelData.severity)
        border.width: 3
        Column {
            id: card
            anchors { left: parent.left; right: parent.right; top: parent.top; margins: 20 }
            spacing: 8
            property string deviceName: modelData.device
            Row {
                spacing: 20
                Text {
                    objectName: "maintenanceDevice_" + modelData.device
                    text: (list.names[modelData.device]
                           ? list.t(list.names[modelData.device][0], list.names[modelData.device][1]) + "  "
                           : "") + modelData.device
                    font.pixelSize: Theme.fontLarge
                    font.weight: Font.Bold
                    color: Theme.text
                }
                Rectangle {
                    anchors.verticalCenter: parent.verticalCenter
                    width: statusText.implicitWidth + 24
                    height: statusText.implicitHeight + 8
                    radius: 8
                    color: list.severityColour(modelData.severity)
                    Text {
                        id: statusText
                        objectName: "maintenanceStatus_" + modelData.device
                        anchors.centerIn: parent
                        text: modelData.status
                        color: "white"
                        font.pixelSize: Theme.fontSmall
                    }
                }
            }
            Text {
                text: list.t("可用性", "availability") + ": " + modelData.availability + " (" + modelData.state + ")   "
                      + list.t("级别", "severity") + ": " + modelData.severity + "   "
                      + list.t("处理", "action") + ": " + modelData.action
                      + (modelData.detail ? "   · " + modelData.detail : "")
                font.pixelSize: Theme.fontSmall
                color: Theme.muted
            }
            Text {
                visible: !!modelData.last_error
                text: list.t("最近故障", "last error") + ": "
                      + (modelData.last_error ? modelData.last_error.status + " ("
                         + new Date(modelData.last_error.at * 1000).toLocaleString(Qt.locale(), "MM-dd hh:mm:ss") + ")" : "")
                font.pixelSize: Theme.fontSmall
                color: Theme.muted
            }
            Flow {
                width: parent.width
                spacing: 12
                Repeater {
                    model: modelData.tests
                    KioskButton {
                        objectName: "maintenanceTest_" + card.deviceName + "_" + modelData
                        kind: "secondary"
                        implicitHeight: 64
                        implicitWidth: Math.max(180, contentItem.implicitWidth + 40)
                        fontSize: 24
                        text: modelData
                        onClicked: list.m.runTest(card.deviceName, modelData)
                    }
                }
            }
        }
    }
}
