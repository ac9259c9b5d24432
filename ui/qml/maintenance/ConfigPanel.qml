import QtQuick
import "../components"

// The config: applied bundle version, who signed it, pending and refused bundles, source files.
Flickable {
    id: panel
    objectName: "maintenanceConfig"
    property var m
    property var t
    property var c: m ? m.config : ({})
    clip: true
    contentHeight: col.implicitHeight

    function line(zh, en, value) {
        return panel.t(zh, en) + ": " + (value === null || value === undefined || value === "" ? "—" : value)
    }

    Column {
        id: col
        width: panel.width
        spacing: 12
        Text {
            objectName: "maintenanceConfigVersion"
            text: panel.line("配置版本", "config version", panel.c.version)
                  + (panel.c.signed === false ? panel.t("（未签名）", " (unsigned)") : "")
            font.pixelSize: Theme.fontLarge
            font.weight: Font.Bold
            color: Theme.text
        }
        Text { text: panel.line("终端", "terminal", panel.c.terminal_id) + "   " + panel.line("模式", "profile", panel.c.profile); font.pixelSize: Theme.fontSmall; color: Theme.text }
        Text { text: panel.line("签名密钥", "signed by", panel.c.key_id); font.pixelSize: Theme.fontSmall; color: Theme.text }
        Text { text: panel.line("签发时间", "issued at", panel.c.issued_at); font.pixelSize: Theme.fontSmall; color: Theme.text }
        Text { text: panel.line("待应用版本", "pending version", panel.c.pending_version); font.pixelSize: Theme.fontSmall; color: Theme.text }
        Text {
            visible: !!(panel.c.restart_needed && panel.c.restart_needed.length)
            text: panel.t("需重启生效", "needs a restart") + ": " + (panel.c.restart_needed || []).join(", ")
            font.pixelSize: Theme.fontSmall
            color: Theme.warning
        }
        Repeater {
            model: panel.c.warnings || []
            Text { text: "⚠ " + modelData; font.pixelSize: Theme.fontSmall; color: Theme.warning }
        }
        Rectangle {
            objectName: "maintenanceRefusal"
            visible: !!panel.c.last_refusal
            width: parent.width
            height: refusal.implicitHeight + 24
            radius: 8
            color: Theme.errorLight
            Text {
                id: refusal
                anchors { left: parent.left; right: parent.right; top: parent.top; margins: 12 }
                wrapMode: Text.Wrap
                font.pixelSize: Theme.fontSmall
                color: Theme.error
                text: panel.c.last_refusal
                      ? panel.t("最近被拒绝的配置", "last refused bundle") + " (" + panel.c.last_refusal.code + "): "
                        + panel.c.last_refusal.reason
                      : ""
            }
        }
        Text { text: panel.t("配置文件", "source files") + ":"; font.pixelSize: Theme.fontSmall; font.weight: Font.Bold; color: Theme.text }
        Repeater {
            model: panel.c.sources || []
            Text { text: modelData; font.pixelSize: 22; color: Theme.muted; width: col.width; elide: Text.ElideMiddle }
        }
    }
}
