import QtQuick
import QtQuick.Controls.Basic

// A large touch button; kind: "primary", "secondary", "ghost" (on blue) or "danger".
Button {
    id: control
    property string kind: "primary"
    property bool selected: false
    property int fontSize: Theme.fontLarge

    implicitHeight: Theme.buttonHeight
    implicitWidth: Math.max(260, contentItem.implicitWidth + 96)
    focusPolicy: Qt.NoFocus  // taps must not steal focus from a text field (keyboard stays up)

    contentItem: Text {
        text: control.text
        font.family: Theme.fontFamily
        font.pixelSize: control.fontSize
        font.weight: Font.Medium
        horizontalAlignment: Text.AlignHCenter
        verticalAlignment: Text.AlignVCenter
        elide: Text.ElideRight
        color: !control.enabled ? Theme.disabledText
             : control.kind === "ghost" && control.selected ? Theme.primaryDark
             : control.kind === "primary" || control.kind === "danger" || control.selected ? Theme.textOnPrimary
             : control.kind === "ghost" ? Theme.textOnPrimary
             : Theme.primary
    }

    background: Rectangle {
        radius: Theme.radius
        border.width: control.kind === "secondary" || control.kind === "ghost" ? 3
                    : Theme.highContrast ? 2 : 0
        border.color: control.kind === "ghost" ? Qt.rgba(1, 1, 1, Theme.highContrast ? 1 : 0.8)
                    : Theme.highContrast && control.enabled ? Theme.text
                    : control.enabled ? Theme.primary : Theme.border
        color: {
            if (!control.enabled)
                return Theme.disabled
            if (control.kind === "ghost" && control.selected)
                return Theme.textOnPrimary
            if (control.kind === "danger")
                return control.down ? Qt.darker(Theme.accent, 1.2) : Theme.accent
            if (control.kind === "primary" || control.selected)
                return control.down ? Theme.primaryDark : Theme.primary
            if (control.kind === "ghost")
                return control.down ? Qt.rgba(1, 1, 1, 0.25) : Qt.rgba(1, 1, 1, 0.08)
            return control.down ? Theme.primaryLight : Theme.surface
        }
    }
}
