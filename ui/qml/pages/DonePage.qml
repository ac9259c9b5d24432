import QtQuick
import "../components"

// The end: the receipt number, the deadline, and what to take away.
Item {
    id: page
    objectName: "donePage"
    readonly property var d: bridge.data
    readonly property bool compact: height < 1200
    readonly property bool printFailed: bridge.message === "print.failed" || d.printed === false
    readonly property bool workOrder: !!d.work_order
    readonly property var qrRows: d.track_qr || []

    // Centred when it fits; scrolls when it does not (large text on a landscape screen).
    Flickable {
        id: scroller
        anchors.fill: parent
        contentHeight: Math.max(height, content.implicitHeight + 2 * Theme.spacing)
        boundsBehavior: Flickable.StopAtBounds
        clip: true

        Column {
            id: content
            x: (scroller.width - width) / 2
            y: Math.max(Theme.spacing, (scroller.height - implicitHeight) / 2)
            width: Math.min(scroller.width - 2 * Theme.margin, 1200)
            spacing: page.compact ? 20 : 40

            Rectangle {
                // On a short (landscape) screen the tracking QR code needs the room.
                visible: !((page.compact || Theme.elderly) && (page.qrRows.length > 0 || !!page.d.promise))
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
                text: page.workOrder ? qsTr("Your 12345 work order has been registered")
                                     : qsTr("Your application has been submitted")
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
                        text: page.workOrder ? qsTr("Work order number") : qsTr("Receipt number")
                        font.pixelSize: Theme.fontBody
                        color: Theme.muted
                        horizontalAlignment: Text.AlignHCenter
                    }
                    Text {
                        objectName: "receiptNumber"
                        width: parent.width
                        text: page.d.receipt_number || ""
                        height: 80
                        font.pixelSize: Theme.px(64)
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
                        text: page.workOrder
                              ? qsTr("Handled within %1 working days, by %2").arg(page.d.deadline_working_days || 0).arg(page.d.deadline || "")
                              : qsTr("Expected to be completed by %1").arg(page.d.deadline || "")
                        font.pixelSize: Theme.fontBody
                        color: Theme.text
                        horizontalAlignment: Text.AlignHCenter
                        wrapMode: Text.Wrap
                    }
                }
            }
            // A service promise (企业开办: 0 materials, 0 fees, 2 hours) and what it covers.
        MessageBox {
            objectName: "donePromise"
            visible: !!page.d.promise
            width: parent.width
            tone: "info"
            text: (page.d.promise || "") + ((page.d.parts || []).length > 0
                  ? "\n" + qsTr("Handled together: %1").arg((page.d.parts || []).join(qsTr(", "))) : "")
        }
        // 12345: a QR code to track the work order later (the same one is on the receipt).
            Row {
                visible: page.qrRows.length > 0
                anchors.horizontalCenter: parent.horizontalCenter
                spacing: Theme.spacing
                Canvas {
                    id: qr
                    objectName: "trackQr"
                    readonly property int cells: page.qrRows.length
                    width: page.compact ? Theme.buttonHeight * 1.6 : Theme.buttonHeight * 2.6
                    height: width
                    onPaint: {
                        var ctx = getContext("2d")
                        ctx.reset()
                        ctx.fillStyle = "#ffffff"  // a QR code needs a light background in every theme
                        ctx.fillRect(0, 0, width, height)
                        if (cells === 0)
                            return
                        var cell = width / cells
                        ctx.fillStyle = "#000000"
                        for (var y = 0; y < cells; ++y) {
                            var row = page.qrRows[y]
                            for (var x = 0; x < row.length; ++x)
                                if (row.charAt(x) === "1")
                                    ctx.fillRect(Math.floor(x * cell), Math.floor(y * cell), Math.ceil(cell), Math.ceil(cell))
                        }
                    }
                    Connections {
                        target: page
                        function onQrRowsChanged() { qr.requestPaint() }
                    }
                }
                Text {
                    anchors.verticalCenter: parent.verticalCenter
                    width: Math.min(implicitWidth, Theme.buttonHeight * 4)
                    text: qsTr("Scan to track your work order at any time")
                    font.pixelSize: Theme.fontBody
                    color: Theme.text
                    wrapMode: Text.Wrap
                }
            }
            Text {
                visible: page.d.delivery === "courier"
                width: parent.width
                text: qsTr("The result will be sent to you free of charge by courier.")
                font.pixelSize: Theme.fontBody
                color: Theme.text
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.Wrap
            }
            MessageBox {
                objectName: "doneMessage"
                width: parent.width
                tone: page.printFailed ? "error" : "success"
                text: page.printFailed ? Texts.message("print.failed")
                                       : qsTr("Please take your receipt from the slot below.")
            }
            Text {
                visible: page.d.id_card_used !== false  // nothing to take back after a no-ID service
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
}
