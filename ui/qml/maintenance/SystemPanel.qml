import QtQuick
import QtQuick.Controls.Basic
import "../components"

// Restart the app, reboot the terminal, leave to the desktop (supervisor only). Each takes a
// second tap within a few seconds; the first tap turns the button into "tap again to confirm".
Column {
    id: panel
    objectName: "maintenanceSystem"
    property var m
    property var t
    spacing: Theme.spacing
    readonly property bool supervisor: m && m.view.role === "supervisor"

    readonly property var actions: [
        { id: "restart", zh: "重启应用", en: "Restart the app",
          hintZh: "应用退出后由系统自动重新启动（约 10 秒）", hintEn: "The app quits and the system starts it again (about 10 s)" },
        { id: "reboot", zh: "重启终端", en: "Reboot the terminal",
          hintZh: "整机重启（约 1 分钟）", hintEn: "The whole terminal reboots (about a minute)" },
        { id: "desktop", zh: "退出到桌面", en: "Leave to the desktop",
          hintZh: "仅限主管：关闭自助应用，进入系统桌面", hintEn: "Supervisors only: close the kiosk and open the desktop" }
    ]

    Repeater {
        model: panel.actions
        Row {
            spacing: Theme.spacing
            readonly property bool armed: panel.m && panel.m.armed === modelData.id
            readonly property bool allowed: modelData.id !== "desktop" || panel.supervisor
            KioskButton {
                objectName: "maintenanceSystem_" + modelData.id
                kind: parent.armed ? "danger" : "secondary"
                enabled: parent.allowed
                implicitHeight: Theme.dp(96)
                implicitWidth: Theme.dp(420)
                fontSize: Theme.fontSmall
                text: parent.armed ? panel.t("再次点击确认", "Tap again to confirm")
                                   : panel.t(modelData.zh, modelData.en)
                onClicked: panel.m.systemAction(modelData.id)
            }
            Text {
                anchors.verticalCenter: parent.verticalCenter
                width: panel.width - Theme.dp(420) - Theme.spacing
                wrapMode: Text.Wrap
                text: panel.t(modelData.hintZh, modelData.hintEn)
                      + (parent.allowed ? "" : panel.t("（当前为技术员权限）", " (you are signed in as a technician)"))
                font.pixelSize: Theme.fontSmall
                color: parent.allowed ? Theme.text : Theme.muted
            }
        }
    }
}
