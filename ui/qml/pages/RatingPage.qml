import QtQuick
import QtQuick.Controls.Basic
import "../components"

// 好差评: five levels at the end of every session. A bad rating (1-2 stars) asks why: reasons
// from a fixed list plus an optional short comment, then it is flagged for follow-up.
Item {
    id: page
    objectName: "ratingPage"
    readonly property var d: bridge.data
    // Five in a row needs the width too (not so in the lower-reach layout's short portrait band).
    readonly property bool landscape: width > height && width >= 1400
    readonly property bool reasons: d.stage === "reasons"
    readonly property var levels: [
        qsTr("Very dissatisfied"),
        qsTr("Dissatisfied"),
        qsTr("Neutral"),
        qsTr("Satisfied"),
        qsTr("Very satisfied")
    ]

    // -- stage 1: five levels ------------------------------------------------------------------
    Column {
        visible: !page.reasons
        anchors.centerIn: parent
        width: parent.width - 2 * Theme.margin
        spacing: Theme.spacing * 2

        PageTitle {
            width: parent.width
            text: qsTr("How satisfied are you with this service?")
            // Not anonymous: the rating references this application, so a bad one can be
            // followed up (好差评 rules).
            subtitle: qsTr("Your rating helps us improve. Staff follow up on every bad rating.")
        }

        Grid {
            id: choices
            anchors.horizontalCenter: parent.horizontalCenter
            columns: page.landscape ? 5 : 1
            spacing: Theme.spacing
            Repeater {
                model: 5
                KioskButton {
                    readonly property int score: 5 - index  // best first: the most common tap
                    objectName: "rate_" + score
                    kind: score >= 4 ? "primary" : "secondary"
                    width: page.landscape ? (choices.parent.width - 4 * Theme.spacing) / 5
                                          : Math.min(choices.parent.width, Theme.buttonHeight * 7.5)
                    implicitHeight: page.landscape ? Theme.buttonHeight * 1.7 : Theme.buttonHeight * 1.15
                    fontSize: Theme.fontLarge
                    text: "\u2605".repeat(score) + (page.landscape ? "\n" : "   ") + page.levels[score - 1]
                    onClicked: bridge.intent("rate", {"score": score})
                }
            }
        }
    }

    // -- stage 2: why was it bad? --------------------------------------------------------------
    Flickable {
        id: why
        visible: page.reasons
        anchors { left: parent.left; right: parent.right; top: parent.top; bottom: actions.top; bottomMargin: Theme.spacing }
        contentHeight: whyColumn.implicitHeight + Theme.spacing * 2
        clip: true
        boundsBehavior: Flickable.StopAtBounds

        Column {
            id: whyColumn
            x: Theme.margin
            y: Theme.spacing
            width: why.width - 2 * Theme.margin
            spacing: Theme.spacing

            PageTitle {
                width: parent.width
                text: qsTr("We are sorry. What went wrong?")
                subtitle: qsTr("Choose one or more reasons. A staff member will follow up within %1 working days.").arg(page.d.follow_up_days || 15)
            }

            // The chosen level, changeable: another star replaces it.
            Flow {
                width: parent.width
                spacing: Theme.spacing / 2
                Repeater {
                    model: 5
                    KioskButton {
                        readonly property int score: index + 1
                        objectName: "rerate_" + score
                        kind: "secondary"
                        selected: page.d.score === score
                        fontSize: Theme.fontSmall
                        implicitHeight: Theme.topButtonHeight
                        implicitWidth: (whyColumn.width - 4 * Theme.spacing / 2) / 5
                        text: "\u2605".repeat(score)
                        onClicked: bridge.intent("rate", {"score": score})
                    }
                }
            }

            Text {
                width: parent.width
                text: page.levels[Math.max(0, (page.d.score || 1) - 1)]
                font.pixelSize: Theme.fontBody
                font.weight: Font.Medium
                color: Theme.text
            }

            Flow {
                objectName: "ratingReasons"
                width: parent.width
                spacing: Theme.spacing / 2
                Repeater {
                    model: page.d.reasons || []
                    KioskButton {
                        objectName: "reason_" + modelData.value
                        kind: "secondary"
                        selected: !!modelData.selected
                        fontSize: Theme.fontBody
                        text: (modelData.selected ? "\u2713 " : "") + modelData.label
                        onClicked: bridge.intent("rating_reason", {"value": modelData.value})
                    }
                }
            }

            Text {
                visible: (page.d.comment_max_length || 0) > 0
                width: parent.width
                text: qsTr("Anything else? (optional, up to %1 characters)").arg(page.d.comment_max_length || 0)
                font.pixelSize: Theme.fontBody
                color: Theme.muted
                wrapMode: Text.Wrap
            }
            TextField {
                id: comment
                objectName: "ratingComment"
                visible: (page.d.comment_max_length || 0) > 0
                width: parent.width
                height: visible ? Theme.buttonHeight : 0
                font.pixelSize: Theme.fontBody
                leftPadding: Theme.spacing
                rightPadding: Theme.spacing
                maximumLength: Math.max(1, page.d.comment_max_length || 1)
                inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText
                color: Theme.text
                property bool ready: false
                Component.onCompleted: { text = page.d.comment || ""; ready = true }
                onTextChanged: if (ready) bridge.intent("rating_comment", {"text": text})
                background: Rectangle {
                    radius: Theme.radius
                    color: Theme.surface
                    border.width: comment.activeFocus ? Theme.borderWidth * 2 : Theme.borderWidth
                    border.color: comment.activeFocus ? Theme.primary : Theme.border
                }
            }

            MessageBox {
                objectName: "ratingMessage"
                width: parent.width
                tone: "error"
                text: Texts.message(page.d.error)
            }
        }
    }

    Row {
        id: actions
        visible: page.reasons
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom; margins: Theme.margin }
        spacing: Theme.spacing
        KioskButton {
            objectName: "ratingSubmit"
            width: actions.width
            text: qsTr("Submit rating")
            onClicked: {
                Qt.inputMethod.commit()
                Qt.inputMethod.hide()
                bridge.intent("rate", {"score": page.d.score, "confirm": true})
            }
        }
    }
}
