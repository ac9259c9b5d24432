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
        case "number":
        case "money": return privateHints | Qt.ImhFormattedNumbersOnly
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
        case "money": return qsTr("Amount, e.g. 50")
        }
        return ""
    }

    // The courier address's region field (province / city / district pickers), if shown.
    readonly property var regionField: {
        for (var i = 0; i < fields.length; ++i)
            if (fields[i].type === "region")
                return fields[i]
        return null
    }
    readonly property var levelTitles: ({
        "province": qsTr("Province"),
        "city": qsTr("City"),
        "district": qsTr("District / county")
    })

    function openPicker(level) {
        Qt.inputMethod.commit()
        Qt.inputMethod.hide()
        picker.level = level
        picker.open()
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
                tone: bridge.message === "lookup.loading" ? "info" : "error"
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

    // The list of one region level; choosing moves on to the next level that has choices.
    Popup {
        id: picker
        objectName: "regionPicker"
        property string level: "province"
        readonly property var options: page.regionField && page.regionField.options
                                       ? (page.regionField.options[level] || []) : []
        parent: Overlay.overlay
        x: Theme.margin
        y: Theme.margin
        width: (parent ? parent.width : page.width) - 2 * Theme.margin
        // As tall as its list needs (31 provinces at most), never taller than the window.
        height: Math.min((parent ? parent.height : page.height) - 2 * Theme.margin,
                         closePicker.height + optionFlow.implicitHeight + Theme.spacing + 2 * padding)
        modal: true
        focus: true
        closePolicy: Popup.CloseOnPressOutside
        padding: Theme.margin / 2
        background: Rectangle {
            radius: Theme.radius
            color: Theme.background
            border.color: Theme.border
            border.width: Theme.borderWidth
        }
        contentItem: Item {
            Text {
                id: pickerTitle
                anchors { left: parent.left; right: closePicker.left; top: parent.top; rightMargin: Theme.spacing }
                text: qsTr("Choose: %1").arg(page.levelTitles[picker.level] || "")
                font.pixelSize: Theme.fontLarge
                font.weight: Font.Bold
                color: Theme.text
                elide: Text.ElideRight
            }
            KioskButton {
                id: closePicker
                objectName: "regionPickerClose"
                anchors { right: parent.right; top: parent.top }
                kind: "secondary"
                fontSize: Theme.fontBody
                implicitHeight: Theme.topButtonHeight
                text: qsTr("Close")
                onClicked: picker.close()
            }
            Flickable {
                anchors { left: parent.left; right: parent.right; top: closePicker.bottom; bottom: parent.bottom; topMargin: Theme.spacing }
                contentHeight: optionFlow.implicitHeight
                clip: true
                boundsBehavior: Flickable.StopAtBounds
                ScrollBar.vertical: ScrollBar { width: Theme.spacing / 2 }
                Flow {
                    id: optionFlow
                    width: parent.width
                    spacing: Theme.spacing / 2
                    Repeater {
                        model: picker.options
                        KioskButton {
                            objectName: "region_" + modelData.code
                            kind: "secondary"
                            fontSize: Theme.fontBody
                            implicitHeight: Theme.topButtonHeight
                            width: (optionFlow.width - 2 * Theme.spacing / 2) / 3
                            text: modelData.name
                            onClicked: {
                                bridge.intent("region", {"level": picker.level, "code": modelData.code})
                                var next = picker.level === "province" ? "city"
                                         : picker.level === "city" ? "district" : ""
                                var opts = next !== "" && page.regionField && page.regionField.options
                                           ? (page.regionField.options[next] || []) : []
                                if (next !== "" && opts.length > 0)
                                    picker.level = next
                                else
                                    picker.close()
                            }
                        }
                    }
                }
            }
        }
    }

    component RowEditor: Rectangle {
        id: rowCard
        required property int index  // the row (a Repeater delegate with required properties)
        property var f: ({})
        readonly property int rowIndex: index
        readonly property var cells: (f.value || [])[rowIndex] || ({})
        readonly property var errors: f.cell_errors || ({})
        height: rowColumn.implicitHeight + Theme.spacing
        radius: Theme.radius
        color: Theme.surface
        border.color: Theme.border
        border.width: Theme.borderWidth
        Column {
            id: rowColumn
            x: Theme.spacing / 2
            y: Theme.spacing / 2
            width: parent.width - Theme.spacing
            spacing: Theme.spacing / 3
            Item {
                width: parent.width
                height: removeRow.height
                Text {
                    anchors.verticalCenter: parent.verticalCenter
                    text: qsTr("No. %1").arg(rowCard.rowIndex + 1)
                    font.pixelSize: Theme.fontBody
                    font.weight: Font.Medium
                    color: Theme.text
                }
                KioskButton {
                    id: removeRow
                    objectName: "field_" + rowCard.f.id + "_remove_" + rowCard.rowIndex
                    anchors.right: parent.right
                    kind: "secondary"
                    fontSize: Theme.fontSmall
                    implicitHeight: Theme.topButtonHeight * 0.8
                    text: qsTr("Remove")
                    onClicked: bridge.intent("row_remove", {"field": rowCard.f.id, "row": rowCard.rowIndex})
                }
            }
            Repeater {
                model: rowCard.f.columns || []
                Column {
                    id: cell
                    readonly property string errorKey: rowCard.errors[rowCard.rowIndex + "." + modelData.id] || ""
                    width: rowColumn.width
                    spacing: Theme.spacing / 4
                    Text {
                        text: modelData.label + (modelData.required ? " *" : "")
                        font.pixelSize: Theme.fontSmall
                        color: Theme.muted
                    }
                    TextField {
                        id: cellField
                        objectName: "field_" + rowCard.f.id + "_" + rowCard.rowIndex + "_" + modelData.id
                        width: parent.width
                        height: Theme.topButtonHeight
                        font.pixelSize: Theme.fontBody
                        leftPadding: Theme.spacing
                        maximumLength: modelData.max_length > 0 ? modelData.max_length : 32767
                        inputMethodHints: page.hintsFor(modelData.type)
                        placeholderText: page.placeholderFor(modelData.type)
                        placeholderTextColor: Theme.disabledText
                        color: Theme.text
                        property bool ready: false
                        Component.onCompleted: { text = rowCard.cells[modelData.id] || ""; ready = true }
                        onTextChanged: if (ready) bridge.intent("row_input", {"field": rowCard.f.id, "row": rowCard.rowIndex, "column": modelData.id, "value": text})
                        onActiveFocusChanged: if (activeFocus) page.ensureVisible(cell)
                        background: Rectangle {
                            radius: Theme.radius
                            color: Theme.surface
                            border.width: cellField.activeFocus || cell.errorKey ? Theme.borderWidth * 2 : Theme.borderWidth
                            border.color: cell.errorKey ? Theme.error : cellField.activeFocus ? Theme.primary : Theme.border
                        }
                    }
                    Text {
                        objectName: "error_" + rowCard.f.id + "_" + rowCard.rowIndex + "_" + modelData.id
                        visible: cell.errorKey !== ""
                        width: parent.width
                        text: Texts.message(cell.errorKey)
                        font.pixelSize: Theme.fontSmall
                        color: Theme.error
                        wrapMode: Text.Wrap
                    }
                }
            }
        }
    }

    component FieldEditor: Column {
        id: editor
        required property int index
        readonly property var f: page.fields[index] || ({})
        readonly property bool hasError: !!f.error
        // Types with an editor of their own; the rest type into one line.
        readonly property bool lineType: ["textarea", "choice", "region", "multi_choice", "rows", "lookup"].indexOf(f.type) < 0
        spacing: 10

        // A heading that splits a long form (企业开办: licence, seals, bank, tax).
        Text {
            visible: !!editor.f.section
            width: parent.width
            topPadding: Theme.spacing
            text: editor.f.section || ""
            font.pixelSize: Theme.fontLarge
            font.weight: Font.Bold
            color: Theme.primaryDark
            wrapMode: Text.Wrap
        }

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
                    font.pixelSize: Theme.px(24)
                    color: Theme.success
                }
            }
        }

        // Choices: one big button per option (a lookup's are found online, one per line).
        Flow {
            objectName: editor.f.type === "choice" || editor.f.type === "lookup" ? "field_" + editor.f.id : ""
            visible: editor.f.type === "choice" || editor.f.type === "lookup"
            width: parent.width
            spacing: 16
            Repeater {
                model: editor.f.type === "choice" || editor.f.type === "lookup" ? editor.f.choices : []
                KioskButton {
                    objectName: "field_" + editor.f.id + "_" + modelData.value
                    kind: "secondary"
                    selected: editor.f.value === modelData.value
                    enabled: !editor.f.readonly
                    fontSize: Theme.fontBody
                    implicitHeight: editor.f.type === "lookup" ? Theme.buttonHeight * 1.4 : Theme.dp(96)
                    width: editor.f.type === "lookup" ? parent.width : implicitWidth
                    text: (editor.f.type === "lookup" && editor.f.value === modelData.value ? "\u2713 " : "") + modelData.label
                    onClicked: bridge.intent("input", {"field": editor.f.id, "value": modelData.value})
                }
            }
        }

        // A lookup that failed (intake down or slow): say so and offer to try again.
        KioskButton {
            objectName: "lookupRetry"
            visible: editor.f.type === "lookup" && editor.f.lookup_state === "failed"
            kind: "secondary"
            fontSize: Theme.fontBody
            text: qsTr("Try again")
            onClicked: bridge.intent("lookup_retry", {})
        }

        // Region: three pickers; each opens the list of the level below the one chosen.
        Flow {
            objectName: editor.f.type === "region" ? "field_" + editor.f.id : ""
            visible: editor.f.type === "region"
            width: parent.width
            spacing: Theme.spacing / 2
            Repeater {
                model: editor.f.type === "region" ? ["province", "city", "district"] : []
                KioskButton {
                    readonly property var r: editor.f.region || ({})
                    readonly property string chosen: r[modelData + "_name"] || ""
                    objectName: "field_" + editor.f.id + "_" + modelData
                    visible: modelData !== "district" || r.needs_district !== false
                    enabled: modelData === "province" || (modelData === "city" && !!r.province)
                             || (modelData === "district" && !!r.city)
                    kind: "secondary"
                    selected: chosen !== ""
                    fontSize: Theme.fontBody
                    width: (parent.width - 2 * Theme.spacing / 2) / 3
                    text: chosen !== "" ? chosen : page.levelTitles[modelData] + " ▾"
                    onClicked: page.openPicker(modelData)
                }
            }
        }

        // Several choices: each option toggles.
        Flow {
            objectName: editor.f.type === "multi_choice" ? "field_" + editor.f.id : ""
            visible: editor.f.type === "multi_choice"
            width: parent.width
            spacing: Theme.spacing / 2
            Repeater {
                model: editor.f.type === "multi_choice" ? editor.f.choices : []
                KioskButton {
                    readonly property bool chosen: (editor.f.value || []).indexOf(modelData.value) >= 0
                    objectName: "field_" + editor.f.id + "_" + modelData.value
                    kind: "secondary"
                    selected: chosen
                    fontSize: Theme.fontBody
                    implicitHeight: Theme.topButtonHeight
                    text: (chosen ? "\u2713 " : "") + modelData.label
                    onClicked: bridge.intent("input", {"field": editor.f.id, "value": modelData.value})
                }
            }
        }

        // Repeated rows (shareholders): one card per row, a cell per column.
        Column {
            visible: editor.f.type === "rows"
            width: parent.width
            spacing: Theme.spacing / 2
            Repeater {
                model: editor.f.type === "rows" ? (editor.f.value || []).length : 0
                RowEditor { f: editor.f; width: parent.width }
            }
            KioskButton {
                objectName: "field_" + editor.f.id + "_add"
                visible: editor.f.type === "rows"
                enabled: (editor.f.value || []).length < (editor.f.max_rows || 1)
                kind: "secondary"
                fontSize: Theme.fontBody
                implicitHeight: Theme.topButtonHeight
                text: qsTr("+ Add a row")
                onClicked: bridge.intent("row_add", {"field": editor.f.id})
            }
        }

        TextField {
            id: line
            objectName: editor.lineType ? "field_" + editor.f.id : ""
            visible: editor.lineType
            width: parent.width
            height: visible ? 100 : 0
            font.pixelSize: Theme.px(38)
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
            font.pixelSize: Theme.px(36)
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
