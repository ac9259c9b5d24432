import QtQuick
import "../components"

// Waits for the ID card: an illustration of the card on the reader and the flow's message.
// Where the reader also opens travel documents (passports, HK/Macao permits), the citizen can
// switch to keying in the document's MRZ key first (MrzPanel), then places the document.
Item {
    id: page
    objectName: "identifyPage"
    readonly property var d: bridge.data
    readonly property bool reading: bridge.message === "idcard.reading"
    readonly property bool travel: d.mode === "travel_document"
    readonly property bool keying: travel && d.mrz_stage !== "place"
    // Landscape has no height to spare under the keypad: the message goes beside the buttons.
    readonly property bool sideMessage: keying && width > height

    PageTitle {
        id: title
        anchors { left: parent.left; right: parent.right; top: parent.top; margins: Theme.margin }
        text: qsTr("Identity check")
        subtitle: page.d.service_title || ""
    }

    // Keying in the MRZ key; unloaded (and with it what was typed) once the flow accepts it.
    Loader {
        id: mrzLoader
        objectName: "mrzLoader"
        active: page.keying
        anchors { left: parent.left; right: parent.right; top: title.bottom; margins: Theme.margin; topMargin: 16 }
        sourceComponent: MrzPanel {
            errors: page.d.mrz_errors || ({})
        }
    }

    Item {
        id: artArea
        visible: !page.keying
        anchors { left: parent.left; right: parent.right; top: title.bottom; bottom: maskedNumber.visible ? maskedNumber.top : messageBox.top; margins: Theme.margin }
    }
    Item {
        id: art
        // Too little room (large text, lower-reach layout): the message alone says it.
        visible: !page.keying && artArea.height >= Theme.dp(160)
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
                font.pixelSize: Theme.px(26)
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
            gradient: Gradient {  // a travel document's data page is a paler green-grey
                GradientStop { position: 0.0; color: page.travel ? "#F1F5EC" : "#E9F2FB" }
                GradientStop { position: 1.0; color: page.travel ? "#D3DEC8" : "#BFD7F1" }
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

    Text {
        id: maskedNumber
        objectName: "mrzMasked"
        visible: page.travel && !page.keying && (page.d.mrz_document_masked || "") !== ""
        anchors { left: parent.left; right: parent.right; bottom: messageBox.top; margins: Theme.margin; bottomMargin: 16 }
        // Masked: the hall is public, and the citizen only needs to recognise their entry.
        text: qsTr("Document number entered: %1").arg(page.d.mrz_document_masked || "")
        font.pixelSize: Theme.fontBody
        color: Theme.muted
        horizontalAlignment: Text.AlignHCenter
        wrapMode: Text.Wrap
    }

    MessageBox {
        id: messageBox
        objectName: "identifyMessage"
        anchors {
            left: parent.left; right: parent.right; bottom: page.sideMessage ? parent.bottom : hint.top
            margins: Theme.margin
            leftMargin: page.sideMessage ? Theme.margin + backButton.width + idCardButton.width + 2 * Theme.spacing : Theme.margin
            bottomMargin: page.sideMessage ? Theme.margin : 24
        }
        tone: Texts.tone(bridge.message)
        text: Texts.message(bridge.message
                            || (page.keying ? "idcard.mrz_enter" : page.travel ? "idcard.insert_travel" : "idcard.insert"))
    }

    Text {
        id: hint
        visible: !page.keying
        height: visible ? implicitHeight : 0
        anchors { left: parent.left; right: parent.right; bottom: actions.top; margins: Theme.margin; bottomMargin: visible ? 32 : 0 }
        text: qsTr("Your card data is used only for this application and is stored encrypted.")
        font.pixelSize: Theme.fontSmall
        color: Theme.muted
        wrapMode: Text.Wrap
        horizontalAlignment: Text.AlignHCenter
    }

    Row {
        id: actions
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom; margins: Theme.margin }
        spacing: Theme.spacing
        KioskButton {
            id: backButton
            objectName: "backButton"
            kind: "secondary"
            text: qsTr("Back")
            onClicked: bridge.intent("back", {})
        }
        KioskButton {
            objectName: "travelDocumentButton"
            visible: page.d.travel_document_available === true && !page.travel
            width: Math.min(implicitWidth, actions.width - backButton.width - actions.spacing)
            kind: "secondary"
            fontSize: Theme.fontBody
            text: qsTr("Passport or HK/Macao permit")
            onClicked: bridge.intent("identify_mode", {"mode": "travel_document"})
        }
        KioskButton {
            id: idCardButton
            objectName: "idCardButton"
            visible: page.keying
            width: Math.min(implicitWidth, actions.width - backButton.width - actions.spacing)
            kind: "secondary"
            fontSize: Theme.fontBody
            text: qsTr("Use my ID card instead")
            onClicked: bridge.intent("identify_mode", {"mode": "id_card"})
        }
        KioskButton {
            objectName: "mrzEditButton"
            visible: page.travel && !page.keying
            width: Math.min(implicitWidth, actions.width - backButton.width - actions.spacing)
            kind: "secondary"
            fontSize: Theme.fontBody
            text: qsTr("Enter the details again")
            onClicked: bridge.intent("identify_mode", {"mode": "travel_document"})
        }
    }
}
