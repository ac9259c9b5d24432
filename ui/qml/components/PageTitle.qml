import QtQuick

// The big heading of a page with an optional line under it.
Column {
    property alias text: heading.text
    property alias subtitle: sub.text
    spacing: 10
    Text {
        id: heading
        width: parent.width
        font.family: Theme.fontFamily
        font.pixelSize: Theme.fontTitle
        font.weight: Font.Bold
        color: Theme.text
        wrapMode: Text.Wrap
    }
    Text {
        id: sub
        width: parent.width
        visible: text !== ""
        font.family: Theme.fontFamily
        font.pixelSize: Theme.fontBody
        color: Theme.muted
        wrapMode: Text.Wrap
    }
}
