import QtQuick
import "../components"

// Waits for the ID card: an illustration of the card on the reader and the flow's message.
Item {
    id: page
    objectName: "identifyPage"
    readonly property var d: bridge.data
    readonly property bool reading: bridge.message === "idcard.reading"

    PageTitle {
        id: title
        anchors { left: parent.left; right: parent.right; top: parent.top; margins: Theme.margin }
        text: qsTr("Identity check")
        subtitle: page.d.service_title || ""
    }

    Item {
        id: artArea
        anchors { left: parent.left; right: parent.right; top: title.bottom; bottom: messageBox.top; margins: Theme.margin }
    }
    Item {
        id: art
        // Card above reader, centred in the free space, shrunk when the space is short.
        width: artArea.width
        height: Math.min(artArea.height, width * 0.75)
        anchors.centerIn: artArea

        // The reader: a dark slab with a glowing contactless area.
        Rectangle {
            id: reader
            width: Math.min(parent.width * 0.7, 620, parent.height * 1.1)
            height: width * 0.42
            anchors.horizontalCenter: parent.horizontalCenter
            anchors.bottom: parent.bottom
            radius: 26
            color: "#2B3A4D"
            Rectangle {
                anchors.centerIn: parent
                width: parent.width * 0.62
                height: parent.height * 0.5
                radius: 14
                color: "transparent"
                border.width: 4
                border.color: page.reading ? "#5BE38A" : "#7FB2F0"
                SequentialAnimation on opacity {
                    loops: Animation.Infinite
                    NumberAnimation { to: 0.35; duration: 800 }
                    NumberAnimation { to: 1.0; duration: 800 }
                }
            }
            Text {
                anchors { horizontalCenter: parent.horizontalCenter; bottom: parent.bottom; bottomMargin: 12 }
                text: qsTr("Card reader")
                color: "#C9D6E6"
                font.pixelSize: 26
            }
        }

        // The card, floating down onto the reader until it is read.
        Rectangle {
            id: card
            width: reader.width * 0.62
            height: width * 0.63
            anchors.horizontalCenter: parent.horizontalCenter
            y: page.reading ? reader.y - height * 0.25 : Math.max(0, reader.y - height - 60)
            Behavior on y { NumberAnimation { duration: 400; easing.type: Easing.OutCubic } }
            radius: 18
            gradient: Gradient {
                GradientStop { position: 0.0; color: "#E9F2FB" }
                GradientStop { position: 1.0; color: "#BFD7F1" }
            }
            border.color: "#8FB0D6"
            border.width: 2
            Rectangle {  // portrait
                x: parent.width * 0.66; y: parent.height * 0.18
                width: parent.width * 0.24; height: parent.height * 0.62
                radius: 8
                color: "#9DB9DA"
            }
            Column {
                x: parent.width * 0.08; y: parent.height * 0.2
                spacing: parent.height * 0.1
                Repeater {
                    model: 4
                    Rectangle { width: card.width * (index === 3 ? 0.5 : 0.42); height: card.height * 0.06; radius: 3; color: "#9DB9DA" }
                }
            }
        }
    }

    MessageBox {
        id: messageBox
        objectName: "identifyMessage"
        anchors { left: parent.left; right: parent.right; bottom: hint.top; margins: Theme.margin; bottomMargin: 24 }
        tone: Texts.tone(bridge.message)
        text: Texts.message(bridge.message || "idcard.insert")
    }

    Text {
        id: hint
        anchors { left: parent.left; right: parent.right; bottom: actions.top; margins: Theme.margin; bottomMargin: 32 }
        text: qsTr("Your card data is used only for this application and is stored encrypted.")
        font.pixelSize: Theme.fontSmall
        color: Theme.muted
        wrapMode: Text.Wrap
        horizontalAlignment: Text.AlignHCenter
    }

    Row {
        id: actions
        anchors { left: parent.left; bottom: parent.bottom; margins: Theme.margin }
        KioskButton {
            objectName: "backButton"
            kind: "secondary"
            text: qsTr("Back")
            onClicked: bridge.intent("back", {})
        }
    }
}
