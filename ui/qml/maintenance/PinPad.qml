import QtQuick
import "../components"

// The technician's PIN pad: digits only, the PIN is masked, wrong attempts and lockout shown.
Rectangle {
    id: pad
    objectName: "maintenancePinPad"
    property var m
    property var t
    property string pin: ""
    property string result: ""
    width: 640
    height: padColumn.implicitHeight + 64
    radius: 24
    color: Theme.surface

    Connections {
        target: pad.m
        function onChanged() { if (pad.m.mode !== "pin") { pad.pin = ""; pad.result = "" } }
    }

    Column {
        id: padColumn
        anchors { left: parent.left; right: parent.right; top: parent.top; margins: 32 }
        spacing: 20
        Text {
            width: parent.width
            text: pad.m.mode === "locked" ? pad.t("维护入口已锁定", "Maintenance entry locked")
                                          : pad.t("请输入维护密码", "Enter maintenance PIN")
            font.pixelSize: Theme.fontLarge
            font.weight: Font.Bold
            horizontalAlignment: Text.AlignHCenter
            color: pad.m.mode === "locked" ? Theme.error : Theme.text
        }
        Text {
            objectName: "maintenancePinDots"
            width: parent.width
            visible: pad.m.mode === "pin"
            text: pad.pin.length ? "●".repeat(pad.pin.length) : " "
            font.pixelSize: Theme.fontTitle
            horizontalAlignment: Text.AlignHCenter
            color: Theme.text
        }
        Text {
            objectName: "maintenancePinStatus"
            width: parent.width
            wrapMode: Text.Wrap
            horizontalAlignment: Text.AlignHCenter
            font.pixelSize: Theme.fontSmall
            color: Theme.error
            text: pad.m.mode === "locked"
                  ? pad.t("请 " + Math.ceil(pad.m.view.lockout_remaining_s / 60) + " 分钟后再试",
                          "Try again in " + Math.ceil(pad.m.view.lockout_remaining_s / 60) + " min")
                  : pad.result === "wrong"
                    ? pad.t("密码错误，还可尝试 " + pad.m.view.attempts_left + " 次",
                            "Wrong PIN, " + pad.m.view.attempts_left + " attempts left")
                    : ""
        }
        Grid {
            visible: pad.m.mode === "pin"
            anchors.horizontalCenter: parent.horizontalCenter
            columns: 3
            spacing: 16
            Repeater {
                model: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "C", "0", "OK"]
                KioskButton {
                    objectName: "maintenancePinKey_" + modelData
                    kind: modelData === "OK" ? "primary" : "secondary"
                    implicitWidth: 170
                    implicitHeight: 110
                    text: modelData === "C" ? "⌫" : modelData
                    onClicked: {
                        if (modelData === "C") {
                            pad.pin = pad.pin.slice(0, -1)
                        } else if (modelData === "OK") {
                            pad.result = pad.m.enterPin(pad.pin)
                            pad.pin = ""
                        } else if (pad.pin.length < 16) {
                            pad.pin += modelData
                        }
                    }
                }
            }
        }
        KioskButton {
            objectName: "maintenancePinCancel"
            anchors.horizontalCenter: parent.horizontalCenter
            kind: "secondary"
            text: pad.t("取消", "Cancel")
            onClicked: { pad.pin = ""; pad.m.cancel() }
            visible: pad.m.mode === "pin"
        }
    }
}
