import QtQuick

// Keying in a travel document's MRZ key: document number, date of birth and expiry date, on a
// big keypad of digits and letters (A-Z, 0-9, "<" for the filler sign, delete). What is typed
// lives only in this item; "Confirm" sends it to the flow (`mrz` intent), which hands it to the
// reader. The page unloads this panel once the flow accepts the key, so nothing typed stays.
Item {
    id: panel
    objectName: "mrzPanel"
    property var errors: ({})
    property int active: 0  // the field the keypad types into
    property var values: ["", "", ""]
    readonly property var fieldIds: ["document_number", "birth_date", "expiry_date"]
    readonly property var maxLengths: [9, 6, 6]
    readonly property int keySpacing: 8
    readonly property int keyHeight: wide ? 96 : 110
    // Landscape: fields (and Confirm) on the left, keypad on the right.
    readonly property bool wide: width > 1400
    readonly property real keyWidth: (keypad.width - 9 * keySpacing) / 10

    implicitHeight: layout.implicitHeight

    function press(ch) {
        var v = values.slice()
        if (v[active].length >= maxLengths[active])
            return
        v[active] += ch
        values = v
        // A complete date moves on to the next field; document numbers vary in length.
        if (active === 1 && v[active].length === maxLengths[active])
            active = 2
    }
    function backspace() {
        var v = values.slice()
        v[active] = v[active].slice(0, -1)
        values = v
    }
    function submit() {
        bridge.intent("mrz", {
            "document_number": values[0],
            "birth_date": values[1],
            "expiry_date": values[2]
        })
    }

    Grid {
        id: layout
        width: parent.width
        columns: panel.wide ? 2 : 1
        columnSpacing: Theme.margin
        rowSpacing: Theme.spacing

        Column {
            id: fields
            width: panel.wide ? Math.round(panel.width * 0.42) : panel.width
            spacing: Theme.spacing
            MrzField {
                panel: panel
                width: parent.width
                index: 0
                label: qsTr("Document number")
                placeholder: qsTr("Letters and digits, up to 9")
            }
            Row {
                width: parent.width
                spacing: Theme.spacing
                MrzField {
                    panel: panel
                    width: (parent.width - parent.spacing) / 2
                    index: 1
                    label: qsTr("Date of birth")
                    placeholder: qsTr("YYMMDD")
                }
                MrzField {
                    panel: panel
                    width: (parent.width - parent.spacing) / 2
                    index: 2
                    label: qsTr("Expiry date")
                    placeholder: qsTr("YYMMDD")
                }
            }
            // Landscape: Confirm under the fields, leaving room for the message under the keypad.
            KioskButton {
                objectName: "mrzSubmit"
                visible: panel.wide
                width: parent.width
                text: qsTr("Confirm")
                onClicked: panel.submit()
            }

        }

        Column {
            width: panel.wide ? panel.width - fields.width - layout.columnSpacing : panel.width
            spacing: Theme.spacing
            Column {
                id: keypad
                objectName: "mrzKeypad"
                width: parent.width
                spacing: panel.keySpacing
                Repeater {
                    model: ["1234567890", "ABCDEFGHIJ", "KLMNOPQRST"]
                    Row {
                        required property string modelData
                        spacing: panel.keySpacing
                        Repeater {
                            model: modelData.split("")
                            KioskButton {
                                required property string modelData
                                objectName: "mrzKey_" + (modelData === "<" ? "filler" : modelData)
                                kind: "secondary"
                                width: panel.keyWidth
                                height: panel.keyHeight
                                implicitWidth: panel.keyWidth
                                fontSize: Theme.px(44)
                                text: modelData
                                onClicked: panel.press(modelData)
                            }
                        }
                    }
                }
                Row {
                    spacing: panel.keySpacing
                    Repeater {
                        model: "UVWXYZ<".split("")
                        KioskButton {
                            required property string modelData
                            objectName: "mrzKey_" + (modelData === "<" ? "filler" : modelData)
                            kind: "secondary"
                            width: panel.keyWidth
                            height: panel.keyHeight
                            implicitWidth: panel.keyWidth
                            fontSize: Theme.px(44)
                            text: modelData
                            onClicked: panel.press(modelData)
                        }
                    }
                    KioskButton {
                        objectName: "mrzKey_backspace"
                        kind: "secondary"
                        width: panel.keyWidth * 3 + panel.keySpacing * 2
                        height: panel.keyHeight
                        implicitWidth: width
                        fontSize: Theme.fontBody
                        text: qsTr("Delete")
                        onClicked: panel.backspace()
                    }
                }
            }
            KioskButton {
                objectName: "mrzSubmit"
                visible: !panel.wide
                width: parent.width
                text: qsTr("Confirm")
                onClicked: panel.submit()
            }
        }
    }
}
