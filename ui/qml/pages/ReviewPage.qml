import QtQuick
import QtQuick.Controls.Basic
import "../components"

// Check before submitting: the entered values (personal ones masked by the flow), how to
// receive the result, what will be printed.
Item {
    id: page
    objectName: "reviewPage"
    readonly property var d: bridge.data
    readonly property bool landscape: width > height

    PageTitle {
        id: title
        anchors { left: parent.left; right: parent.right; top: parent.top; margins: Theme.margin; topMargin: 36 }
        text: qsTr("Check your application")
        subtitle: page.d.service_title || ""
    }

    Flickable {
        id: scroller
        anchors { left: parent.left; right: parent.right; top: title.bottom; bottom: actions.top; topMargin: 24; bottomMargin: 20 }
        contentHeight: body.implicitHeight + 24
        clip: true
        boundsBehavior: Flickable.StopAtBounds
        ScrollBar.vertical: ScrollBar { width: 14 }

        Grid {
            id: body
            x: Theme.margin
            width: scroller.width - 2 * Theme.margin
            columns: page.landscape ? 2 : 1
            columnSpacing: 36
            rowSpacing: 30
            readonly property real cellWidth: page.landscape ? (width - columnSpacing) / 2 : width

            Rectangle {
                width: body.cellWidth
                height: values.implicitHeight + 48
                radius: Theme.radius
                color: Theme.surface
                border.color: Theme.border
                border.width: 2
                Column {
                    id: values
                    anchors { left: parent.left; right: parent.right; top: parent.top; margins: 24 }
                    spacing: 0
                    Repeater {
                        model: page.d.fields || []
                        Item {
                            width: values.width
                            height: Math.max(label.implicitHeight, value.implicitHeight) + 36
                            Text {
                                id: label
                                width: parent.width * 0.36
                                anchors.verticalCenter: parent.verticalCenter
                                text: modelData.label
                                font.pixelSize: Theme.px(30)
                                color: Theme.muted
                                wrapMode: Text.Wrap
                            }
                            Text {
                                id: value
                                objectName: "review_value_" + index
                                anchors { left: label.right; right: parent.right; leftMargin: 20; verticalCenter: parent.verticalCenter }
                                text: modelData.value
                                font.pixelSize: Theme.px(32)
                                color: Theme.text
                                wrapMode: Text.Wrap
                            }
                            Rectangle {
                                visible: index > 0
                                anchors { left: parent.left; right: parent.right; top: parent.top }
                                height: 1
                                color: Theme.border
                            }
                        }
                    }
                }
            }

            Column {
                width: body.cellWidth
                spacing: 22
                Text {
                    visible: (page.d.delivery_options || []).length > 0
                    text: qsTr("How do you want to receive the result?")
                    font.pixelSize: Theme.fontBody
                    font.weight: Font.Medium
                    color: Theme.text
                    width: parent.width
                    wrapMode: Text.Wrap
                }
                Repeater {
                    model: page.d.delivery_options || []
                    KioskButton {
                        objectName: "delivery_" + modelData
                        width: parent.width
                        kind: "secondary"
                        selected: page.d.delivery === modelData
                        fontSize: Theme.fontBody
                        text: (page.d.delivery === modelData ? "\u2713  " : "") + Texts.delivery(modelData)
                        onClicked: bridge.intent("delivery", {"option": modelData})
                    }
                }
                // Free courier: who and where, masked (the hall is public).
                Rectangle {
                    objectName: "courierSummary"
                    visible: !!page.d.courier
                    width: parent.width
                    height: visible ? courierColumn.implicitHeight + 2 * Theme.spacing : 0
                    radius: Theme.radius
                    color: Theme.surface
                    border.color: Theme.border
                    border.width: Theme.borderWidth
                    Column {
                        id: courierColumn
                        anchors { left: parent.left; right: parent.right; top: parent.top; margins: Theme.spacing }
                        spacing: Theme.spacing / 3
                        Text {
                            width: parent.width
                            text: qsTr("Free courier to")
                            font.pixelSize: Theme.fontSmall
                            color: Theme.muted
                        }
                        Text {
                            objectName: "courierRecipient"
                            width: parent.width
                            text: page.d.courier ? page.d.courier.recipient + "  " + page.d.courier.phone : ""
                            font.pixelSize: Theme.fontBody
                            color: Theme.text
                            wrapMode: Text.Wrap
                        }
                        Text {
                            objectName: "courierAddress"
                            width: parent.width
                            text: page.d.courier ? page.d.courier.address : ""
                            font.pixelSize: Theme.fontBody
                            color: Theme.text
                            wrapMode: Text.Wrap
                        }
                    }
                }
                Text {
                    visible: (page.d.outputs || []).length > 0
                    width: parent.width
                    text: qsTr("This terminal will print: %1").arg((page.d.outputs || []).map(function (o) { return Texts.output(o) }).join(qsTr(", ")))
                    font.pixelSize: Theme.fontSmall
                    color: Theme.muted
                    wrapMode: Text.Wrap
                }
                MessageBox {
                    objectName: "reviewMessage"
                    width: parent.width
                    tone: "error"
                    text: Texts.message(bridge.message)
                }
            }
        }
    }

    Row {
        id: actions
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom; margins: Theme.margin; bottomMargin: 36 }
        spacing: Theme.spacing
        KioskButton {
            objectName: "backButton"
            kind: "secondary"
            text: qsTr("Change")
            onClicked: bridge.intent("back", {})
        }
        KioskButton {
            objectName: "submitButton"
            width: actions.width - x
            text: qsTr("Submit application")
            onClicked: bridge.intent("submit", {})
        }
    }
}
