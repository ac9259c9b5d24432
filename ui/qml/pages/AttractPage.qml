import QtQuick
import "../components"

// Idle screen: who we are, the steps of a self-service application, one big start button.
Item {
    id: page
    objectName: "attractPage"
    readonly property var d: bridge.data
    readonly property bool landscape: width > height

    Rectangle {
        anchors.fill: parent
        gradient: Gradient {
            GradientStop { position: 0.0; color: "#FFFFFF" }
            GradientStop { position: 1.0; color: "#DCE8F7" }
        }
    }

    Column {
        id: hero
        anchors.centerIn: parent
        anchors.verticalCenterOffset: -40
        width: Math.min(parent.width - 2 * Theme.margin, 1500)
        spacing: page.landscape ? 34 : 56

        Emblem {
            anchors.horizontalCenter: parent.horizontalCenter
            width: page.landscape ? 150 : 200
            height: width
        }
        Text {
            width: parent.width
            text: qsTr("Welcome")
            font.pixelSize: page.landscape ? 64 : 80
            font.weight: Font.Bold
            color: Theme.primaryDark
            horizontalAlignment: Text.AlignHCenter
        }
        Text {
            objectName: "attractCentreName"
            width: parent.width
            text: page.d.centre_name || ""
            font.pixelSize: page.landscape ? 48 : 56
            font.weight: Font.Medium
            color: Theme.text
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
        }
        Text {
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
                    width: page.landscape ? 320 : Math.min(440, (hero.width - 28) / 2)
                    height: 132
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
                                color: "white"
                                font.pixelSize: 34
                                font.weight: Font.Bold
                            }
                        }
                        Text {
                            anchors.verticalCenter: parent.verticalCenter
                            width: Math.min(implicitWidth, 220)
                            text: modelData
                            font.pixelSize: 32
                            color: Theme.text
                            wrapMode: Text.Wrap
                        }
                    }
                }
            }
        }

        Item { width: 1; height: page.landscape ? 4 : 24 }

        KioskButton {
            objectName: "startButton"
            anchors.horizontalCenter: parent.horizontalCenter
            width: Math.min(parent.width, 760)
            implicitHeight: 150
            fontSize: 56
            enabled: page.d.available !== false
            text: enabled ? qsTr("Touch to start") : qsTr("Out of service")
            onClicked: bridge.intent("start", {})
        }

        MessageBox {
            width: parent.width
            tone: Texts.tone(bridge.message)
            text: !page.d.available ? Texts.message("terminal.out_of_service")
                                    : Texts.message(bridge.message)
        }
    }

    Text {
        objectName: "terminalId"
        anchors { right: parent.right; bottom: parent.bottom; margins: 28 }
        text: qsTr("Terminal %1").arg(page.d.terminal_id || "")
        font.pixelSize: 24
        color: Theme.muted
    }
}
