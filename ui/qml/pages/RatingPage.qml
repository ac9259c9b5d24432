import QtQuick
import "../components"

// The "good/bad review" of the government-service evaluation system: five levels.
Item {
    id: page
    objectName: "ratingPage"
    readonly property bool landscape: width > height
    readonly property var levels: [
        qsTr("Very dissatisfied"),
        qsTr("Dissatisfied"),
        qsTr("Neutral"),
        qsTr("Satisfied"),
        qsTr("Very satisfied")
    ]

    Column {
        anchors.centerIn: parent
        width: parent.width - 2 * Theme.margin
        spacing: 44

        PageTitle {
            width: parent.width
            text: qsTr("How satisfied are you with this service?")
            subtitle: qsTr("Your rating helps us improve. It is anonymous.")
        }

        Grid {
            id: choices
            anchors.horizontalCenter: parent.horizontalCenter
            columns: page.landscape ? 5 : 1
            spacing: 20
            Repeater {
                model: 5
                KioskButton {
                    readonly property int score: 5 - index  // best first: the most common tap
                    objectName: "rate_" + score
                    kind: score >= 4 ? "primary" : "secondary"
                    width: page.landscape ? (choices.parent.width - 4 * 20) / 5 : Math.min(choices.parent.width, 760)
                    implicitHeight: page.landscape ? 180 : 118
                    fontSize: 36
                    text: "\u2605".repeat(score) + (page.landscape ? "\n" : "   ") + page.levels[score - 1]
                    onClicked: bridge.intent("rate", {"score": score})
                }
            }
        }
    }
}
