pragma Singleton
import QtQuick

// Colours and sizes of a district service hall: calm blue and white, large type, big targets.
//
// Every token follows the citizen's accessibility modes (docs/accessibility.md), which Main.qml
// binds from bridge.accessibility:
//   elderly       大字版: text 1.5x, bigger targets, fewer items per row;
//   highContrast  black on white, dark blue controls, every text pair at least 7:1 (WCAG AAA);
//   lowReach      the whole UI moves into the band a wheelchair user reaches (Main.qml).
// Pages use these tokens (and px()/dp() for the few sizes that have no token), never literals.
QtObject {
    id: theme

    property bool elderly: false
    property bool highContrast: false
    property bool lowReach: false

    readonly property string fontFamily: "Noto Sans CJK SC"

    // Text scale and target scale of elderly mode.
    readonly property real textScale: elderly ? 1.5 : 1.0
    readonly property real sizeScale: elderly ? 1.3 : 1.0
    // A font size given for normal mode, in the current mode.
    function px(size) { return Math.round(size * textScale) }
    // A target/size given for normal mode, in the current mode.
    function dp(size) { return Math.round(size * sizeScale) }
    // How many items a row takes (`normal` in normal mode; elderly mode halves it, at least 1).
    function columnsFor(normal) { return elderly ? Math.max(1, Math.floor(normal / 2)) : normal }

    // -- palette ----------------------------------------------------------------------------
    readonly property var normalPalette: ({
        primary: "#1557A8", primaryDark: "#0D3C78", primaryLight: "#E7F0FB",
        textOnPrimary: "#FFFFFF", textOnPrimaryMuted: "#D6E4F5",
        accent: "#C8161D", background: "#F3F6FA", surface: "#FFFFFF",
        text: "#1B2633", muted: "#5D6B7C", border: "#D3DDEA",
        disabled: "#E4E8EE", disabledText: "#8E99A6",
        error: "#C62828", errorLight: "#FDECEC",
        success: "#1E7B34", successLight: "#E8F5EA",
        warning: "#A85400", warningLight: "#FFF4E0"
    })
    // Checked numerically by tests/test_accessibility.py: each text/background pair >= 7:1.
    readonly property var contrastPalette: ({
        primary: "#00316B", primaryDark: "#001A3D", primaryLight: "#DCE7F5",
        textOnPrimary: "#FFFFFF", textOnPrimaryMuted: "#FFFFFF",
        accent: "#8A0000", background: "#FFFFFF", surface: "#FFFFFF",
        text: "#000000", muted: "#1F1F1F", border: "#000000",
        disabled: "#E6E6E6", disabledText: "#3D3D3D",
        error: "#8A0000", errorLight: "#FFF0F0",
        success: "#004D1A", successLight: "#EEF8F0",
        warning: "#6B3300", warningLight: "#FFF6E8"
    })
    readonly property var palette: highContrast ? contrastPalette : normalPalette

    readonly property color primary: palette.primary
    readonly property color primaryDark: palette.primaryDark
    readonly property color primaryLight: palette.primaryLight
    readonly property color textOnPrimary: palette.textOnPrimary        // text on primary/accent/top bar
    readonly property color textOnPrimaryMuted: palette.textOnPrimaryMuted
    readonly property color accent: palette.accent
    readonly property color background: palette.background
    readonly property color surface: palette.surface
    readonly property color text: palette.text
    readonly property color muted: palette.muted
    readonly property color border: palette.border
    readonly property color disabled: palette.disabled
    readonly property color disabledText: palette.disabledText
    readonly property color error: palette.error
    readonly property color errorLight: palette.errorLight
    readonly property color success: palette.success
    readonly property color successLight: palette.successLight
    readonly property color warning: palette.warning
    readonly property color warningLight: palette.warningLight
    // Outline of cards and inputs: heavier in high contrast.
    readonly property int borderWidth: highContrast ? 3 : 2

    // -- sizes ------------------------------------------------------------------------------
    readonly property int topBarHeight: elderly ? 148 : 128
    readonly property int accessBarHeight: elderly ? 116 : 92
    readonly property int buttonHeight: elderly ? 136 : 104
    readonly property int topButtonHeight: elderly ? 116 : 92
    readonly property int radius: 14
    readonly property int margin: elderly ? 40 : 48
    readonly property int spacing: elderly ? 28 : 24

    readonly property int fontHuge: px(76)
    readonly property int fontTitle: px(52)
    readonly property int fontLarge: px(40)
    readonly property int fontBody: px(34)
    readonly property int fontSmall: px(28)
}
