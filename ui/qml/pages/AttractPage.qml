import QtQuick
import "../components"

// Idle screen: who we are, the steps of a self-service application, one big start button.
Item {
    id: page
    objectName: "attractPage"
    readonly property var d: bridge.data
    readonly property bool landscape: width > height
    // What the hero needs with everything shown; optional parts go when the page is short
    // (elderly mode, the lower-reach layout): first the steps, then the emblem.
    readonly property real fullHeight: emblem.height + welcome.implicitHeight
        + centreName.implicitHeight + tagline.implicitHeight + steps.implicitHeight
        + spacer.height + startButton.implicitHeight + notice.implicitHeight + 7 * hero.spacing
    readonly property real room: height - footer.height - 2 * footer.anchors.margins - 40
    readonly property bool showSteps: fullHeight <= room
    readonly property bool showEmblem: showSteps
        || fullHeight - steps.implicitHeight - hero.spacing <= room

    Rectangle {
        anchors.fill: parent
        gradient: Gradient {
            GradientStop { position: 0.0; color: Theme.highContrast ? Theme.background : "#FFFFFF" }
            GradientStop { position: 1.0; color: Theme.highContrast ? Theme.background : "#DCE8F7" }
        }
    }

    // Scrolls only when even the short form does not fit (a very low reach band).
    Flickable {
        id: heroView
        anchors { left: parent.left; right: parent.right; top: parent.top; bottom: footer.top }
        contentHeight: Math.max(height, hero.height + 20)
        boundsBehavior: Flickable.StopAtBounds
        clip: true
        Column {
            id: hero
            x: (heroView.width - width) / 2
            y: Math.max(0, (heroView.height - height) / 2 - 20)
            width: Math.min(heroView.width - 2 * Theme.margin, 1500)
            spacing: page.landscape ? 34 : 56

            Emblem {
                id: emblem
                visible: page.showEmblem
                anchors.horizontalCenter: parent.horizontalCenter
                width: page.landscape ? 150 : 200
                height: width
            }
            Text {
                id: welcome
                width: parent.width
                text: qsTr("Welcome")
                font.pixelSize: Theme.px(page.landscape ? 64 : 80)
                font.weight: Font.Bold
                color: Theme.primaryDark
                horizontalAlignment: Text.AlignHCenter
            }
            Text {
                id: centreName
                objectName: "attractCentreName"
                width: parent.width
                text: page.d.centre_name || ""
                font.pixelSize: Theme.px(page.landscape ? 48 : 56)
                font.weight: Font.Medium
                color: Theme.text
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.Wrap
            }
            Text {
                id: tagline
                width: parent.width
                text: qsTr("Apply for government services here at any hour, without queuing")
                font.pixelSize: Theme.fontBody
                color: Theme.muted
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.Wrap
            }

            // The four steps of an application, so the citizen knows what to have ready.
            Grid {
                id: steps
                visible: page.showSteps
                anchors.horizontalCenter: parent.horizontalCenter
                columns: page.landscape ? 4 : 2
                spacing: 28
                Repeater {
                    model: [
                        qsTr("Choose a service"),
                        qsTr("Place your ID card"),
                        qsTr("Face check"),
                        qsTr("Fill in and submit")
                    ]
                    Rectangle {
                        id: stepBox
                        width: page.landscape ? Math.min(Theme.dp(320), (hero.width - 3 * 28) / 4)
                                              : Math.min(Theme.dp(440), (hero.width - 28) / 2)
                        height: Theme.dp(132)
                        radius: Theme.radius
                        color: Theme.surface
                        border.color: Theme.border
                        border.width: 2
                        Row {
                            anchors.centerIn: parent
                            spacing: 20
                            Rectangle {
                                width: 64; height: 64; radius: 32
                                color: Theme.primary
                                anchors.verticalCenter: parent.verticalCenter
                                Text {
                                    anchors.centerIn: parent
                                    text: index + 1
                                    color: Theme.textOnPrimary
                                    font.pixelSize: Theme.px(34)
                                    font.weight: Font.Bold
                                }
                            }
                            Text {
                                anchors.verticalCenter: parent.verticalCenter
                                width: Math.min(implicitWidth, stepBox.width - 124)
                                text: modelData
                                font.pixelSize: Theme.px(32)
                                color: Theme.text
                                wrapMode: Text.Wrap
                            }
                        }
                    }
                }
            }

            Item { id: spacer; width: 1; height: page.landscape ? 4 : 24 }

            KioskButton {
                id: startButton
                objectName: "startButton"
                anchors.horizontalCenter: parent.horizontalCenter
                width: Math.min(parent.width, 760)
                implicitHeight: Theme.dp(150)
                fontSize: Theme.px(56)
                enabled: page.d.available !== false
                text: enabled ? qsTr("Touch to start") : qsTr("Out of service")
                onClicked: bridge.intent("start", {})
            }

            MessageBox {
                id: notice
                width: parent.width
                tone: Texts.tone(bridge.message)
                text: !page.d.available ? Texts.message("terminal.out_of_service")
                                        : Texts.message(bridge.message)
            }
        }
    }

    // The bottom line: the lower-reach layout (the top bar may be out of a wheelchair user's
    // reach, the bottom of the screen never is) and the terminal's number.
    Item {
        id: footer
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom; margins: 28 }
        height: lowReachEntry.visible ? lowReachEntry.height : terminalId.height
        KioskButton {
            id: lowReachEntry
            objectName: "attractLowReachButton"
            visible: bridge.accessibility.low_reach !== true
                     && (bridge.accessibility.band_top || 0) > 0
            anchors { left: parent.left; bottom: parent.bottom }
            width: Math.min(implicitWidth, parent.width - terminalId.width - 28)
            kind: "secondary"
            fontSize: Theme.fontBody
            text: qsTr("Wheelchair: lower layout")
            onClicked: bridge.intent("accessibility", {"low_reach": true})
        }
    }

    Text {
        id: terminalId
        objectName: "terminalId"
        anchors { right: parent.right; bottom: parent.bottom; margins: 28 }
        text: qsTr("Terminal %1").arg(page.d.terminal_id || "")
        font.pixelSize: Theme.px(24)
        color: Theme.muted
    }
}
