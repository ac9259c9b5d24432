import QtQuick

// One field of MrzPanel: a label, the typed characters (no text input: the panel's keypad types
// into the active field) and the field's error from the flow.
Item {
    id: fieldItem
    required property Item panel
    property int index: 0
    property string label: ""
    property string placeholder: ""
    readonly property string fieldId: fieldItem.panel.fieldIds[index]
    readonly property string error: fieldItem.panel.errors[fieldId] || ""
    readonly property bool current: fieldItem.panel.active === index
    implicitHeight: fieldColumn.implicitHeight
    Column {
        id: fieldColumn
        width: parent.width
        spacing: 8
        Text {
            width: parent.width
            text: fieldItem.label
            font.pixelSize: Theme.fontBody
            font.weight: Font.Medium
            color: Theme.text
            elide: Text.ElideRight
        }
        Rectangle {
            objectName: "mrz_" + fieldItem.fieldId
            // What the keypad typed; read by tests and shown while keying in only.
            property string text: fieldItem.panel.values[fieldItem.index]
            width: parent.width
            height: 110
            radius: Theme.radius
            color: fieldItem.current ? Theme.primaryLight : Theme.surface
            border.width: fieldItem.current ? 4 : 2
            border.color: fieldItem.error !== "" ? Theme.error
                        : fieldItem.current ? Theme.primary : Theme.border
            Text {
                anchors { fill: parent; leftMargin: 28; rightMargin: 28 }
                verticalAlignment: Text.AlignVCenter
                text: parent.text !== "" ? parent.text : fieldItem.placeholder
                color: parent.text !== "" ? Theme.text : Theme.disabledText
                font.family: parent.text !== "" ? "DejaVu Sans Mono" : Theme.fontFamily
                font.pixelSize: parent.text !== "" ? 56 : Theme.fontBody
                font.letterSpacing: parent.text !== "" ? 6 : 0
                elide: Text.ElideRight
            }
            MouseArea {
                anchors.fill: parent
                onClicked: fieldItem.panel.active = fieldItem.index
            }
        }
        Text {
            objectName: "mrzError_" + fieldItem.fieldId
            width: parent.width
            visible: fieldItem.error !== ""
            text: Texts.message(fieldItem.error)
            font.pixelSize: Theme.fontSmall
            color: Theme.error
            wrapMode: Text.Wrap
        }
    }
}
