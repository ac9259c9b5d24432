import QtQuick
import "../components"

// The outbox: depth, oldest age, connectivity, dead letters with their reasons and a retry.
Column {
    id: panel
    objectName: "maintenanceQueue"
    property var m
    property var t
    spacing: 16
    property var q: m ? m.queue : ({})

    Text {
        objectName: "maintenanceQueueDepth"
        text: panel.t("待发送", "waiting") + ": " + (panel.q.depth || 0) + "    "
              + panel.t("最早", "oldest") + ": " + (panel.q.oldest_age_s === null || panel.q.oldest_age_s === undefined ? "—" : panel.q.oldest_age_s + " s")
              + "    " + panel.t("网络", "network") + ": " + (panel.q.connectivity || "")
        font.pixelSize: Theme.fontBody
        color: Theme.text
    }
    Text {
        text: panel.t("死信", "dead letters") + ": " + (panel.q.dead_letters ? panel.q.dead_letters.length : 0)
        font.pixelSize: Theme.fontBody
        font.weight: Font.Bold
        color: Theme.text
    }
    Repeater {
        model: panel.q.dead_letters || []
        Row {
            spacing: 16
            Text {
                anchors.verticalCenter: parent.verticalCenter
                text: modelData.transaction_id.slice(0, 13) + "…  " + modelData.service_id + "  " + (modelData.reason || "")
                font.pixelSize: Theme.fontSmall
                color: Theme.text
            }
            KioskButton {
                objectName: "maintenanceRetry_" + index
                kind: "secondary"
                implicitHeight: 60
                fontSize: 24
                text: panel.t("重发", "Retry")
                onClicked: panel.m.retry(modelData.transaction_id)
            }
        }
    }
}
