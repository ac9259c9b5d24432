import QtQuick
import QtQuick.Controls.Basic
import "../components"

// The service's form, rendered from the field descriptions the flow sends. Fields read from
// the ID card are locked. Every edit goes to the flow as an "input" intent; the flow answers
// with per-field error keys after "next".
Item {
    id: page
    objectName: "fillFormPage"
    readonly property var d: bridge.data
    readonly property var fields: d.fields || []
    // The delegates are created once per page: rebinding the Repeater to each new data map
    // would recreate the text fields (and drop focus and the keyboard) on every keystroke.
    readonly property int fieldCount: fields.length

    // Every field is sensitive: without these hints the Pinyin engine learns what citizens
    // type (names, addresses) into a plain user dictionary on disk and offers it to the next.
    readonly property int privateHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText

    function hintsFor(type) {
        switch (type) {
        case "phone": return privateHints | Qt.ImhDialableCharactersOnly
        case "number": return privateHints | Qt.ImhFormattedNumbersOnly
        case "postal_code": return privateHints | Qt.ImhDigitsOnly
        case "id_number":
        case "credit_code": return privateHints | Qt.ImhPreferUppercase | Qt.ImhLatinOnly
        case "date": return privateHints | Qt.ImhPreferNumbers | Qt.ImhLatinOnly
        }
        return privateHints
    }

    function placeholderFor(type) {
        switch (type) {
        case "phone": return qsTr("11-digit mobile number")
        case "id_number": return qsTr("18 characters")
        case "credit_code": return qsTr("18 characters")
        case "postal_code": return qsTr("6 digits")
        case "date": return qsTr("YYYY-MM-DD")
        case "name": return qsTr("As on the ID card")
        }
        return ""
    }

    function ensureVisible(item) {
        var p = item.mapToItem(form.contentItem, 0, 0)
        if (p.y < form.contentY)
            form.contentY = Math.max(0, p.y - 24)
        else if (p.y + item.height > form.contentY + form.height)
            form.contentY = Math.min(form.contentHeight - form.height, p.y + item.height - form.height + 24)
    }

    Flickable {
        id: form
        objectName: "formFlickable"
        anchors { left: parent.left; right: parent.right; top: parent.top; bottom: actions.top; bottomMargin: 20 }
        contentHeight: column.implicitHeight + 24
        clip: true
        boundsBehavior: Flickable.StopAtBounds
        ScrollBar.vertical: ScrollBar { width: 14 }

        Column {
            id: column
            x: Theme.margin
            width: form.width - 2 * Theme.margin
            spacing: 30
            // Title and notice scroll with the fields: with the keyboard up in landscape, the
            // form needs every pixel above it.
            Item { width: 1; height: 6 }
            PageTitle {
                id: title
                width: column.width
                text: page.d.service_title || ""
                subtitle: qsTr("Please fill in the form. Fields marked * are required.")
            }
            MessageBox {
                id: notice
                objectName: "formMessage"
                width: column.width
                tone: "error"
                text: Texts.message(bridge.message)
            }
            Repeater {
                model: page.fieldCount
                FieldEditor { width: column.width }
            }
        }
    }

    Row {
        id: actions
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom; margins: Theme.margin; topMargin: 0; bottomMargin: 36 }
        spacing: Theme.spacing
        KioskButton {
            objectName: "backButton"
            kind: "secondary"
            text: qsTr("Back")
            onClicked: bridge.intent("back", {})
        }
        KioskButton {
            objectName: "nextButton"
            width: actions.width - x
            text: qsTr("Next: check and submit")
            onClicked: {
                Qt.inputMethod.commit()
                Qt.inputMethod.hide()
                bridge.intent("next", {})
            }
        }
    }

    component FieldEditor: Column {
        id: editor
        required property int index
        readonly property var f: page.fields[index] || ({})
        readonly property bool hasError: !!f.error
        spacing: 10

        Row {
            spacing: 16
            Text {
                text: (editor.f.label || "") + (editor.f.required ? " *" : "")
                font.pixelSize: Theme.fontBody
                font.weight: Font.Medium
                color: Theme.text
            }
            Rectangle {
                visible: !!editor.f.prefilled
                anchors.verticalCenter: parent.verticalCenter
                width: lockText.implicitWidth + 24
                height: lockText.implicitHeight + 8
                radius: 8
                color: Theme.successLight
                Text {
                    id: lockText
                    anchors.centerIn: parent
                    text: qsTr("From your ID card")
                    font.pixelSize: 24
                    color: Theme.success
                }
            }
        }

        // Choices: one big button per option.
        Flow {
            objectName: "field_" + editor.f.id
            visible: editor.f.type === "choice"
            width: parent.width
            spacing: 16
            Repeater {
                model: editor.f.type === "choice" ? editor.f.choices : []
                KioskButton {
                    objectName: "field_" + editor.f.id + "_" + modelData.value
                    kind: "secondary"
                    selected: editor.f.value === modelData.value
                    enabled: !editor.f.readonly
                    fontSize: Theme.fontBody
                    implicitHeight: 96
                    text: modelData.label
                    onClicked: bridge.intent("input", {"field": editor.f.id, "value": modelData.value})
                }
            }
        }

        TextField {
            id: line
            objectName: editor.f.type === "textarea" || editor.f.type === "choice" ? "" : "field_" + editor.f.id
            visible: editor.f.type !== "textarea" && editor.f.type !== "choice"
            width: parent.width
            height: visible ? 100 : 0
            font.pixelSize: 38
            leftPadding: 24
            rightPadding: 24
            readOnly: !!editor.f.readonly
            activeFocusOnPress: !readOnly
            maximumLength: editor.f.max_length > 0 ? editor.f.max_length : 32767
            inputMethodHints: page.hintsFor(editor.f.type)
            placeholderText: page.placeholderFor(editor.f.type)
            placeholderTextColor: Theme.disabledText
            color: readOnly ? Theme.muted : Theme.text
            property bool ready: false
            Component.onCompleted: { text = editor.f.value || ""; ready = true }
            onTextChanged: if (ready && !readOnly) bridge.intent("input", {"field": editor.f.id, "value": text})
            onActiveFocusChanged: if (activeFocus) page.ensureVisible(editor)
            background: Rectangle {
                radius: 12
                color: line.readOnly ? Theme.disabled : Theme.surface
                border.width: line.activeFocus || editor.hasError ? 4 : 2
                border.color: editor.hasError ? Theme.error : line.activeFocus ? Theme.primary : Theme.border
            }
        }

        TextArea {
            id: area
            objectName: editor.f.type === "textarea" ? "field_" + editor.f.id : ""
            visible: editor.f.type === "textarea"
            width: parent.width
            height: visible ? 220 : 0
            font.pixelSize: 36
            wrapMode: TextEdit.Wrap
            padding: 20
            inputMethodHints: page.privateHints
            readOnly: !!editor.f.readonly
            color: Theme.text
            property bool ready: false
            Component.onCompleted: { text = editor.f.value || ""; ready = true }
            onTextChanged: {
                if (!ready || readOnly)
                    return
                // TextArea has no maximumLength; the flow truncates too, this keeps the screen honest.
                if (editor.f.max_length > 0 && text.length > editor.f.max_length)
                    remove(editor.f.max_length, text.length)
                bridge.intent("input", {"field": editor.f.id, "value": text})
            }
            onActiveFocusChanged: if (activeFocus) page.ensureVisible(editor)
            background: Rectangle {
                radius: 12
                color: area.readOnly ? Theme.disabled : Theme.surface
                border.width: area.activeFocus || editor.hasError ? 4 : 2
                border.color: editor.hasError ? Theme.error : area.activeFocus ? Theme.primary : Theme.border
            }
        }

        Text {
            objectName: "error_" + editor.f.id
            visible: editor.hasError
            width: parent.width
            text: Texts.message(editor.f.error)
            font.pixelSize: Theme.fontSmall
            color: Theme.error
            wrapMode: Text.Wrap
        }
    }
}
