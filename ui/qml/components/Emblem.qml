import QtQuick

// The service-centre roundel: a neutral mark, not a state emblem.
Rectangle {
    property color ink: Theme.primary
    implicitWidth: 88
    implicitHeight: 88
    radius: width / 2
    color: "white"
    border.width: Math.max(3, width / 22)
    border.color: Theme.accent
    Rectangle {
        anchors.centerIn: parent
        width: parent.width * 0.78
        height: width
        radius: width / 2
        color: parent.ink
        Text {
            anchors.centerIn: parent
            text: "\u2605"  // a star glyph; decorative, not words
            color: "#FFD34D"
            font.family: Theme.fontFamily
            font.pixelSize: parent.width * 0.55
        }
    }
}
