import QtQuick
import "../components"

BusyPage {
    objectName: "printingPage"
    heading: qsTr("Printing…")
    detail: qsTr("Printing: %1").arg((bridge.data.outputs || []).map(function (o) { return Texts.output(o) }).join(qsTr(", ")))
          + "\n" + qsTr("Please take your documents from the slot below when printing is finished.")
}
