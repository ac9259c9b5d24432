import QtQuick
import "../components"

// Face check: a camera frame to look into and the flow's message. The flow retries by itself
// after a mismatch (up to its attempt limit), so there is no retry button to double-start it.
Item {
    id: page
    objectName: "verifyFacePage"
    readonly property var d: bridge.data

    PageTitle {
        id: title
        anchors { left: parent.left; right: parent.right; top: parent.top; margins: Theme.margin }
        text: qsTr("Face check")
        subtitle: page.d.service_title || ""
    }

    Item {
        anchors { left: parent.left; right: parent.right; top: title.bottom; bottom: messageBox.top; margins: Theme.margin }
        Rectangle {
            id: frame
            anchors.centerIn: parent
            width: Math.min(parent.width, parent.height) * 0.9
            height: width
            radius: width / 2
            color: "#E6EEF8"
            border.width: 8
            border.color: bridge.message === "face.failed" ? Theme.error : Theme.primary
            clip: true

            // A person's outline, kept inside the circle (clip is rectangular, not round).
            Rectangle {
                anchors.horizontalCenter: parent.horizontalCenter
                y: parent.height * 0.2
                width: parent.width * 0.3; height: width * 1.2; radius: width / 2
                color: "#B7CBE3"
            }
            Rectangle {
                anchors.horizontalCenter: parent.horizontalCenter
                y: parent.height * 0.6
                width: parent.width * 0.56; height: parent.height * 0.28; radius: height / 2
                color: "#B7CBE3"
            }
            Rectangle {  // the scanning line, within the circle's chord
                anchors.horizontalCenter: parent.horizontalCenter
                width: parent.width * 0.7; height: 6; radius: 3
                color: Theme.primary
                opacity: 0.6
                visible: bridge.message !== "face.failed"
                SequentialAnimation on y {
                    loops: Animation.Infinite
                    NumberAnimation { from: frame.height * 0.2; to: frame.height * 0.8; duration: 1600; easing.type: Easing.InOutQuad }
                    NumberAnimation { from: frame.height * 0.8; to: frame.height * 0.2; duration: 1600; easing.type: Easing.InOutQuad }
                }
            }
        }
    }

    MessageBox {
        id: messageBox
        objectName: "faceMessage"
        anchors { left: parent.left; right: parent.right; bottom: attempts.top; margins: Theme.margin; bottomMargin: 20 }
        tone: Texts.tone(bridge.message)
        text: Texts.message(bridge.message || "face.look")
    }

    Text {
        id: attempts
        anchors { left: parent.left; right: parent.right; bottom: actions.top; margins: Theme.margin; bottomMargin: 32 }
        visible: page.d.attempts_left !== undefined && bridge.message === "face.retry"
        height: visible ? implicitHeight : 0
        text: qsTr("Attempts left: %1").arg(page.d.attempts_left)
        font.pixelSize: Theme.fontSmall
        color: Theme.muted
        horizontalAlignment: Text.AlignHCenter
    }

    Row {
        id: actions
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom; margins: Theme.margin }
        spacing: Theme.spacing
        layoutDirection: Qt.LeftToRight
        KioskButton {
            objectName: "backButton"
            kind: "secondary"
            text: qsTr("Back")
            onClicked: bridge.intent("back", {})
        }
    }
}
