import QtQuick

// Night-time screen blanking ([display] in config, docs/config.md): on the attract screen,
// during blank_from..blank_to and after blank_after_s without a touch, the screen goes black.
// The first touch only wakes it: the mouse area below takes the press, so it never reaches the
// page. Loaded by Main.qml above the pages and the keyboard, below maintenance mode.
Item {
    id: blank
    objectName: "nightBlank"
    anchors.fill: parent

    readonly property var settings: typeof displaySettings !== "undefined" && displaySettings
                                    ? displaySettings : ({})
    readonly property bool configured: !!settings.blankFrom && !!settings.blankTo
    readonly property bool onAttract: bridge.screen === "attract"
    property int idleMs: (settings.blankAfterS || 60) * 1000
    property bool blanked: false
    property int wakeCount: 0

    visible: blanked

    function minutesOf(hhmm) {
        var parts = String(hhmm).split(":")
        return parseInt(parts[0], 10) * 60 + parseInt(parts[1], 10)
    }
    // True when `date` lies in [blankFrom, blankTo), running past midnight if blankTo is earlier.
    function isNight(date) {
        if (!configured)
            return false
        var now = date.getHours() * 60 + date.getMinutes()
        var from = minutesOf(settings.blankFrom)
        var to = minutesOf(settings.blankTo)
        return from < to ? (now >= from && now < to) : (now >= from || now < to)
    }
    function wake() {
        blanked = false
        wakeCount += 1
        idle.restart()
    }

    onOnAttractChanged: {
        blanked = false
        idle.restart()
    }
    Connections {
        target: bridge
        function onLanguageChanged() { idle.restart() }  // a touch on the attract screen
    }

    Timer {
        id: idle
        objectName: "nightBlankIdle"
        interval: blank.idleMs
        running: blank.configured && blank.onAttract && !blank.blanked
        repeat: true  // keeps checking until the night begins
        onTriggered: if (blank.onAttract && blank.isNight(new Date())) blank.blanked = true
    }
    Timer {  // morning: the screen comes back by itself
        interval: 30000
        running: blank.blanked
        repeat: true
        onTriggered: if (!blank.isNight(new Date())) blank.blanked = false
    }

    Rectangle {
        anchors.fill: parent
        color: "black"  // a blank screen is black in every theme (the panel's "off")
    }
    MouseArea {
        objectName: "nightBlankWake"
        anchors.fill: parent
        // Takes the whole press (and its release): nothing below sees the waking touch.
        onPressed: function(mouse) {
            mouse.accepted = true
            blank.wake()
        }
    }
}
