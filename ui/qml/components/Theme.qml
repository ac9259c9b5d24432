pragma Singleton
import QtQuick

// Colours and sizes of a district service hall: calm blue and white, large type, big targets.
QtObject {
    readonly property string fontFamily: "Noto Sans CJK SC"

    readonly property color primary: "#1557A8"
    readonly property color primaryDark: "#0D3C78"
    readonly property color primaryLight: "#E7F0FB"
    readonly property color accent: "#C8161D"
    readonly property color background: "#F3F6FA"
    readonly property color surface: "#FFFFFF"
    readonly property color text: "#1B2633"
    readonly property color muted: "#5D6B7C"
    readonly property color border: "#D3DDEA"
    readonly property color disabled: "#E4E8EE"
    readonly property color disabledText: "#8E99A6"
    readonly property color error: "#C62828"
    readonly property color errorLight: "#FDECEC"
    readonly property color success: "#1E7B34"
    readonly property color successLight: "#E8F5EA"
    readonly property color warning: "#B65C00"
    readonly property color warningLight: "#FFF4E0"

    readonly property int topBarHeight: 128
    readonly property int buttonHeight: 104
    readonly property int radius: 14
    readonly property int margin: 48
    readonly property int spacing: 24

    readonly property int fontHuge: 76
    readonly property int fontTitle: 52
    readonly property int fontLarge: 40
    readonly property int fontBody: 34
    readonly property int fontSmall: 28
}
