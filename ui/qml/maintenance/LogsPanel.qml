import QtQuick
import QtQuick.Controls.Basic
import "../components"

// Recent log lines (newest first; logs hold no personal data by policy) and the export of a
// log bundle to a USB stick.
Item {
    id: panel
    objectName: "maintenanceLogs"
    property var m
    property var t

    function levelColour(level) {
        return level === "ERROR" || level === "CRITICAL" ? Theme.error
             : level === "WARNING" ? Theme.warning : Theme.text
    }

    Row {
        id: actions
        anchors { left: parent.left; right: parent.right; top: parent.top }
        spacing: Theme.spacing
        KioskButton {
            objectName: "maintenanceExportLogs"
            kind: "primary"
            implicitHeight: Theme.dp(84)
            fontSize: Theme.fontSmall
            text: panel.t("导出日志到 U 盘", "Export logs to USB")
            onClicked: panel.m.exportLogs()
        }
        Text {
            anchors.verticalCenter: parent.verticalCenter
            width: actions.width - x
            wrapMode: Text.Wrap
            text: panel.t("不含个人信息：日志、健康状态、配置版本、队列统计、设备通信记录",
                          "No personal data: logs, health, config version, queue figures, device I/O")
            font.pixelSize: Theme.px(22)
            color: Theme.muted
        }
    }

    ListView {
        objectName: "maintenanceLogList"
        anchors { left: parent.left; right: parent.right; top: actions.bottom; bottom: parent.bottom; topMargin: Theme.spacing }
        clip: true
        spacing: Theme.dp(4)
        // The lines refresh in place (the count as model): reading older lines, the list does
        // not jump back to the top each time a line is logged.
        readonly property var lines: panel.m ? panel.m.logs : []
        model: lines.length
        delegate: Text {
            readonly property var r: ListView.view.lines[index] || ({ at: 0, level: "", logger: "", message: "" })
            width: ListView.view.width
            wrapMode: Text.WrapAnywhere
            font.family: "monospace"
            font.pixelSize: Theme.px(20)
            color: panel.levelColour(r.level)
            text: new Date(r.at * 1000).toLocaleString(Qt.locale(), "MM-dd hh:mm:ss") + " "
                  + r.level + " " + r.logger + ": " + r.message
        }
    }
}
