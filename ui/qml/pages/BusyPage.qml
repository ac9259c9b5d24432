import QtQuick
import QtQuick.Controls.Basic
import "../components"

// Shared layout of the two "please wait" screens.
Item {
    id: page
    property string heading: ""
    property string detail: ""

    Column {
        anchors.centerIn: parent
        width: parent.width - 2 * Theme.margin
        spacing: 48
        BusyIndicator {
            anchors.horizontalCenter: parent.horizontalCenter
            width: 180
            height: 180
            running: true
        }
        Text {
            width: parent.width
            text: page.heading
            font.pixelSize: Theme.fontTitle
            font.weight: Font.Bold
            color: Theme.primaryDark
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
        }
        Text {
            width: parent.width
            text: page.detail
            font.pixelSize: Theme.fontBody
            color: Theme.muted
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
        }
    }
}
