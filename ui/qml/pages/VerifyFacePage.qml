import QtQuick
import "../components"

// Face check: a camera frame to look into and the flow's message. The flow retries by itself
// after a mismatch (up to its attempt limit), so there is no retry button to double-start it.
Item {
    id: page
    objectName: "verifyFacePage"
    readonly property var d: bridge.data
    readonly property bool live: typeof cameraPreview !== "undefined" && cameraPreview.active
    // Plain guidance for the camera's hint (drivers/camera/face.py HINTS).
    function guidance(hint) {
        switch (hint) {
        case "no_face": return qsTr("Look into the camera")
        case "two_faces": return qsTr("Only one person in front of the camera, please")
        case "move_closer": return qsTr("Move closer")
        case "too_dark": return qsTr("It is too dark: step into the light")
        case "hold_still": return qsTr("Hold still")
        case "turn_left": return qsTr("Turn your head to the left")
        case "turn_right": return qsTr("Turn your head to the right")
        case "look_straight": return qsTr("Now look straight at the camera")
        case "checking": case "done": return qsTr("Checking…")
        }
        return ""
    }

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
            radius: page.live ? 24 : width / 2
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
            // The live camera preview (mirrored, as a mirror is what people expect) with the
            // detected face's box; the drawing above shows while no camera frame has arrived.
            Image {
                id: preview
                objectName: "cameraPreview"
                anchors.fill: parent
                visible: page.live
                source: page.live ? cameraPreview.source : ""
                fillMode: Image.PreserveAspectCrop
                cache: false
                asynchronous: false
                smooth: true
                transform: Scale { origin.x: preview.width / 2; xScale: -1 }
                Rectangle {
                    objectName: "faceBox"
                    readonly property var b: cameraPreview.box
                    // PreserveAspectCrop: the frame is scaled to cover, then centred.
                    readonly property real s: Math.max(preview.width / Math.max(1, preview.sourceSize.width), preview.height / Math.max(1, preview.sourceSize.height))
                    readonly property real ox: (preview.width - preview.sourceSize.width * s) / 2
                    readonly property real oy: (preview.height - preview.sourceSize.height * s) / 2
                    visible: b.length === 4
                    x: visible ? ox + b[0] * preview.sourceSize.width * s : 0
                    y: visible ? oy + b[1] * preview.sourceSize.height * s : 0
                    width: visible ? b[2] * preview.sourceSize.width * s : 0
                    height: visible ? b[3] * preview.sourceSize.height * s : 0
                    color: "transparent"
                    border.width: 6
                    border.color: cameraPreview.hint === "look_straight" || cameraPreview.hint.indexOf("turn_") === 0 ? Theme.primary : "#FFFFFF"
                    radius: 12
                }
            }

            Rectangle {  // the scanning line, within the circle's chord
                anchors.horizontalCenter: parent.horizontalCenter
                width: parent.width * 0.7; height: 6; radius: 3
                color: Theme.primary
                opacity: 0.6
                visible: bridge.message !== "face.failed" && !page.live
                SequentialAnimation on y {
                    loops: Animation.Infinite
                    NumberAnimation { from: frame.height * 0.2; to: frame.height * 0.8; duration: 1600; easing.type: Easing.InOutQuad }
                    NumberAnimation { from: frame.height * 0.8; to: frame.height * 0.2; duration: 1600; easing.type: Easing.InOutQuad }
                }
            }
        }
    }

    Text {
        id: guidanceText
        objectName: "faceGuidance"
        anchors { left: parent.left; right: parent.right; bottom: messageBox.top; margins: Theme.margin; bottomMargin: 8 }
        visible: page.live && text !== ""
        text: page.live ? page.guidance(cameraPreview.hint) : ""
        font.pixelSize: Theme.fontLarge
        font.bold: true
        color: Theme.primary
        horizontalAlignment: Text.AlignHCenter
        wrapMode: Text.WordWrap
    }

    MessageBox {
        id: messageBox
        objectName: "faceMessage"
        anchors { left: parent.left; right: parent.right; bottom: attempts.visible ? attempts.top : actions.top; margins: Theme.margin; bottomMargin: 20 }
        // While the camera guides live, its guidance replaces the generic "look at the camera".
        opacity: page.live && (bridge.message || "face.look") === "face.look" ? 0 : 1
        tone: Texts.tone(bridge.message)
        text: Texts.message(bridge.message || "face.look")
    }

    Text {
        id: attempts
        anchors { left: parent.left; right: parent.right; bottom: actions.top; margins: Theme.margin; bottomMargin: 32 }
        // No height binding (it made a binding loop): the message box anchors above this line
        // only while it is shown.
        visible: page.d.attempts_left !== undefined && bridge.message === "face.retry"
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
