import QtQuick

// A coloured notice: tone "info", "warning", "error" or "success".
Rectangle {
    id: box
    property alias text: label.text
    property string tone: "info"
    implicitHeight: label.implicitHeight + 48
    radius: Theme.radius
    visible: label.text !== ""
    color: tone === "error" ? Theme.errorLight : tone === "warning" ? Theme.warningLight
         : tone === "success" ? Theme.successLight : Theme.primaryLight
    border.width: 2
    border.color: tone === "error" ? Theme.error : tone === "warning" ? Theme.warning
                : tone === "success" ? Theme.success : Theme.primary
    Text {
        id: label
        anchors.fill: parent
        anchors.margins: 24
        font.family: Theme.fontFamily
        font.pixelSize: Theme.fontLarge
        color: box.tone === "error" ? Theme.error : box.tone === "warning" ? Theme.warning
             : box.tone === "success" ? Theme.success : Theme.primaryDark
        wrapMode: Text.Wrap
        verticalAlignment: Text.AlignVCenter
        horizontalAlignment: Text.AlignHCenter
    }
}
