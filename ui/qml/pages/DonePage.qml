import QtQuick
import "../components"

// The end: the receipt number, the deadline, and what to take away.
Item {
    id: page
    objectName: "donePage"
    readonly property var d: bridge.data
    readonly property bool compact: height < 1200
    readonly property bool printFailed: bridge.message === "print.failed" || d.printed === false

    Column {
        anchors.centerIn: parent
        width: Math.min(parent.width - 2 * Theme.margin, 1200)
        spacing: page.compact ? 20 : 40

        Rectangle {
            anchors.horizontalCenter: parent.horizontalCenter
            width: page.compact ? 110 : 170; height: width; radius: width / 2
            color: Theme.success
            Text {
                anchors.centerIn: parent
                text: "\u2713"  // a check mark glyph
                color: "white"
                font.pixelSize: parent.width * 0.65
                font.weight: Font.Bold
            }
        }
        Text {
            width: parent.width
            text: qsTr("Your application has been submitted")
            font.pixelSize: Theme.fontTitle
            font.weight: Font.Bold
            color: Theme.text
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
        }
        Rectangle {
            width: parent.width
            height: receiptColumn.implicitHeight + 56
            radius: Theme.radius
            color: Theme.surface
            border.color: Theme.border
            border.width: 2
            Column {
                id: receiptColumn
                anchors { left: parent.left; right: parent.right; verticalCenter: parent.verticalCenter; margins: 28 }
                spacing: 14
                Text {
                    width: parent.width
                    text: qsTr("Receipt number")
                    font.pixelSize: Theme.fontBody
                    color: Theme.muted
                    horizontalAlignment: Text.AlignHCenter
                }
                Text {
                    objectName: "receiptNumber"
                    width: parent.width
                    text: page.d.receipt_number || ""
                    height: 80
                    font.pixelSize: 64
                    font.weight: Font.Bold
                    font.letterSpacing: 2
                    color: Theme.primaryDark
                    horizontalAlignment: Text.AlignHCenter
                    verticalAlignment: Text.AlignVCenter
                    // One line, shrunk to fit: a receipt number must not break mid-way.
                    fontSizeMode: Text.HorizontalFit
                    minimumPixelSize: 30
                }
                Text {
                    visible: !!page.d.deadline
                    width: parent.width
                    text: qsTr("Expected to be completed by %1").arg(page.d.deadline || "")
                    font.pixelSize: Theme.fontBody
                    color: Theme.text
                    horizontalAlignment: Text.AlignHCenter
                    wrapMode: Text.Wrap
                }
            }
        }
        MessageBox {
            objectName: "doneMessage"
            width: parent.width
            tone: page.printFailed ? "error" : "success"
            text: page.printFailed ? Texts.message("print.failed")
                                   : qsTr("Please take your receipt from the slot below.")
        }
        Text {
            width: parent.width
            text: qsTr("Remember to take your ID card with you.")
            font.pixelSize: Theme.fontLarge
            font.weight: Font.Medium
            color: Theme.accent
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
        }
        KioskButton {
            objectName: "finishButton"
            anchors.horizontalCenter: parent.horizontalCenter
            width: Math.min(parent.width, 640)
            text: qsTr("Finish")
            onClicked: bridge.intent("finish", {})
        }
    }
}
