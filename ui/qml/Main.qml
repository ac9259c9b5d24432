import QtQuick
import QtQuick.Controls.Basic
import QtQuick.VirtualKeyboard
import QtQuick.VirtualKeyboard.Settings
import "components"

// The kiosk window: top bar, the page for the flow's current screen, the timeout banner and the
// on-screen keyboard. All state comes from `bridge` (ui.app.FlowBridge).
ApplicationWindow {
    id: root
    objectName: "mainWindow"
    width: 1080
    height: 1920
    title: qsTr("Government self-service terminal")
    color: Theme.background
    font.family: Theme.fontFamily
    font.pixelSize: Theme.fontBody

    readonly property bool landscape: width > height
    readonly property bool inSession: bridge.screen !== "attract"

    // -- accessibility modes (docs/accessibility.md): Theme follows them, every page follows Theme
    readonly property var access: bridge.accessibility
    readonly property bool lowReach: access.low_reach === true
    readonly property int volume: access.volume === undefined ? 70 : access.volume
    // The rows a wheelchair user reaches (kiosk.accessibility.reach_band), in pixels.
    readonly property int bandTop: lowReach ? Math.round(height * (access.band_top || 0)) : 0
    readonly property int bandBottom: lowReach && access.band_bottom !== undefined
                                      ? Math.round(height * access.band_bottom) : height
    Binding { target: Theme; property: "elderly"; value: root.access.elderly === true }
    Binding { target: Theme; property: "highContrast"; value: root.access.contrast === true }
    Binding { target: Theme; property: "lowReach"; value: root.lowReach }

    function setMode(mode, on) {
        var change = {}
        change[mode] = on
        bridge.intent("accessibility", change)
    }
    function speechText() {
        return Guidance.script(bridge.screen, bridge.data.service_title || "",
                               Texts.message(bridge.message), bridge.language)
    }
    readonly property var pages: ({
        "attract": "AttractPage",
        "choose_service": "ChooseServicePage",
        "identify": "IdentifyPage",
        "verify_face": "VerifyFacePage",
        "fill_form": "FillFormPage",
        "review": "ReviewPage",
        "submitting": "SubmittingPage",
        "printing": "PrintingPage",
        "rating": "RatingPage",
        "done": "DonePage"
    })

    function pageUrl(screen) {
        var name = pages[screen] || "AttractPage"
        return Qt.resolvedUrl("pages/" + name + ".qml")
    }

    Component.onCompleted: {
        VirtualKeyboardSettings.activeLocales = ["zh_CN", "en_US"]
        VirtualKeyboardSettings.locale = "zh_CN"
    }

    // -- above the reach band (lower-reach layout only): nothing to touch there ---------------
    Rectangle {
        objectName: "aboveReach"
        visible: root.lowReach && root.bandTop > 0
        anchors { left: parent.left; right: parent.right; top: parent.top }
        height: root.bandTop
        color: Theme.primaryLight
        Column {
            anchors.centerIn: parent
            width: parent.width - 2 * Theme.margin
            spacing: Theme.spacing
            Text {
                width: parent.width
                text: bridge.centreName
                color: Theme.text
                font.pixelSize: Theme.fontTitle
                font.weight: Font.Bold
                horizontalAlignment: Text.AlignHCenter
                elide: Text.ElideRight
            }
            Text {
                width: parent.width
                text: qsTr("Lower layout for wheelchair users: everything you need is within reach below.")
                color: Theme.text
                font.pixelSize: Theme.fontBody
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.Wrap
            }
        }
    }

    // The top bar and the page; in the lower-reach layout they move into the reach band.
    Item {
        id: frame
        objectName: "reachFrame"
        x: 0
        y: root.bandTop
        width: root.width
        height: root.bandBottom - root.bandTop

    // -- top bar --------------------------------------------------------------------------
    Rectangle {
        id: topBar
        objectName: "topBar"
        anchors { left: parent.left; right: parent.right; top: parent.top }
        height: compact ? Math.max(Theme.topBarHeight, accessBar.height + 36)
                        : Theme.topBarHeight + (accessInline ? 0 : accessBar.height + 18)
        // The accessibility buttons share the brand row when there is room (landscape), else
        // they take rows of their own under it.
        readonly property bool accessInline: !compact
            && root.width - brand.width - actions.width - 120 >= accessBar.naturalWidth
        // Lower reach: the band is precious and the centre's name is shown above it, so the
        // accessibility buttons take the brand's place, in as many rows as they need.
        readonly property bool compact: root.lowReach
        gradient: Gradient {
            orientation: Gradient.Horizontal
            GradientStop { position: 0.0; color: Theme.primaryDark }
            GradientStop { position: 1.0; color: Theme.primary }
        }
        Rectangle {  // the thin red rule under the bar, as on service-hall signage
            anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
            height: 6
            color: Theme.accent
        }

        Row {
            id: brand
            visible: !topBar.compact
            anchors { left: parent.left; leftMargin: 32 }
            y: (Theme.topBarHeight - height) / 2
            spacing: 22
            Emblem { width: 84; height: 84; anchors.verticalCenter: parent.verticalCenter }
            Column {
                anchors.verticalCenter: parent.verticalCenter
                spacing: 2
                Text {
                    objectName: "centreName"
                    width: Math.min(implicitWidth, root.width - actions.width - 200)
                    text: bridge.centreName
                    color: Theme.textOnPrimary
                    font.pixelSize: Theme.px(38)
                    font.weight: Font.Bold
                    elide: Text.ElideRight
                }
                Text {
                    objectName: "topBarSubtitle"
                    text: qsTr("24-hour self-service")
                    color: Theme.textOnPrimaryMuted
                    font.pixelSize: Theme.px(26)
                }
            }
        }

        Row {
            id: actions
            anchors { right: parent.right; rightMargin: 28 }
            y: (Theme.topBarHeight - height) / 2
            spacing: 18
            Text {
                id: clock
                anchors.verticalCenter: parent.verticalCenter
                visible: (root.landscape || !root.inSession) && !Theme.elderly
                color: Theme.textOnPrimary
                font.pixelSize: Theme.px(34)
                font.weight: Font.Medium
                text: Qt.formatTime(new Date(), "hh:mm")
                Timer {
                    interval: 10000
                    running: true
                    repeat: true
                    onTriggered: clock.text = Qt.formatTime(new Date(), "hh:mm")
                }
            }
            KioskButton {
                objectName: "languageButton"
                kind: "ghost"
                implicitHeight: Theme.topButtonHeight
                implicitWidth: Math.max(Theme.dp(170), contentItem.implicitWidth + 40)
                fontSize: Theme.px(32)
                // Each language is named in its own script, so these two are not translated.
                text: bridge.language === "zh_CN" ? "English" : "中文"
                onClicked: bridge.intent("language", {"lang": bridge.language === "zh_CN" ? "en" : "zh_CN"})
            }
            KioskButton {
                objectName: "cancelButton"
                visible: root.inSession
                kind: "danger"
                implicitHeight: Theme.topButtonHeight
                implicitWidth: Math.max(Theme.dp(170), contentItem.implicitWidth + 48)
                fontSize: Theme.px(32)
                text: qsTr("Home")
                onClicked: bridge.intent("cancel", {})
            }
        }

        // Elderly mode, high contrast, lower reach and voice: one tap away on every screen.
        Flow {
            id: accessBar
            objectName: "accessBar"
            // The width of all buttons in one row.
            readonly property real naturalWidth: {
                var w = 0, n = 0
                for (var i = 0; i < children.length; ++i) {
                    if (children[i].visible) {
                        w += children[i].width
                        n += 1
                    }
                }
                return w + Math.max(0, n - 1) * spacing
            }
            x: topBar.accessInline ? actions.x - width - 28 : 24
            y: topBar.compact ? 15
               : topBar.accessInline ? (Theme.topBarHeight - height) / 2 : Theme.topBarHeight - 6
            width: topBar.accessInline ? naturalWidth
                   : topBar.compact ? actions.x - 48 : root.width - 48
            spacing: 10
            readonly property int buttonHeight: Theme.accessBarHeight - 16
            readonly property int fontSize: Theme.px(28)

            KioskButton {
                objectName: "elderlyButton"
                kind: "ghost"
                selected: Theme.elderly
                implicitHeight: accessBar.buttonHeight
                implicitWidth: contentItem.implicitWidth + 30
                fontSize: accessBar.fontSize
                text: qsTr("Large text")
                Accessible.checkable: true
                Accessible.checked: selected
                onClicked: root.setMode("elderly", !Theme.elderly)
            }
            KioskButton {
                objectName: "contrastButton"
                kind: "ghost"
                selected: Theme.highContrast
                implicitHeight: accessBar.buttonHeight
                implicitWidth: contentItem.implicitWidth + 30
                fontSize: accessBar.fontSize
                text: qsTr("High contrast")
                Accessible.checkable: true
                Accessible.checked: selected
                onClicked: root.setMode("contrast", !Theme.highContrast)
            }
            KioskButton {
                objectName: "lowReachButton"
                kind: "ghost"
                selected: root.lowReach
                implicitHeight: accessBar.buttonHeight
                implicitWidth: contentItem.implicitWidth + 30
                fontSize: accessBar.fontSize
                text: qsTr("Wheelchair")
                Accessible.checkable: true
                Accessible.checked: selected
                onClicked: root.setMode("low_reach", !root.lowReach)
            }
            KioskButton {
                objectName: "speakButton"
                visible: root.access.voice === true
                kind: "ghost"
                selected: bridge.speaking
                implicitHeight: accessBar.buttonHeight
                implicitWidth: contentItem.implicitWidth + 30
                fontSize: accessBar.fontSize
                text: bridge.speaking ? qsTr("Stop reading") : qsTr("Read aloud")
                onClicked: bridge.toggleSpeech(root.speechText())
            }
            Row {  // the volume control wraps as one piece
                visible: root.access.voice === true
                spacing: accessBar.spacing
            KioskButton {
                objectName: "volumeDownButton"
                kind: "ghost"
                enabled: root.volume > 0
                implicitHeight: accessBar.buttonHeight
                implicitWidth: accessBar.buttonHeight
                fontSize: accessBar.fontSize
                text: "−"
                Accessible.name: qsTr("Quieter")
                onClicked: bridge.intent("accessibility", {"volume": Math.max(0, root.volume - 10)})
            }
            Text {
                objectName: "volumeLabel"
                height: accessBar.buttonHeight
                verticalAlignment: Text.AlignVCenter
                color: Theme.textOnPrimary
                font.pixelSize: accessBar.fontSize
                text: qsTr("Volume %1").arg(root.volume)
            }
            KioskButton {
                objectName: "volumeUpButton"
                kind: "ghost"
                enabled: root.volume < 100
                implicitHeight: accessBar.buttonHeight
                implicitWidth: accessBar.buttonHeight
                fontSize: accessBar.fontSize
                text: "+"
                Accessible.name: qsTr("Louder")
                onClicked: bridge.intent("accessibility", {"volume": Math.min(100, root.volume + 10)})
            }
            }
        }
    }

    // -- the page of the current screen ----------------------------------------------------
    Item {
        id: content
        objectName: "content"
        anchors {
            left: parent.left
            right: parent.right
            top: topBar.bottom
            bottom: parent.bottom
            // The keyboard sits at the bottom of the reach band; the page ends above it.
            bottomMargin: keyboard.keyboardActive ? Math.max(0, root.bandBottom - keyboard.y) : 0
        }
        clip: true

        Loader {
            id: pageLoader
            objectName: "pageLoader"
            anchors.fill: parent
            source: root.pageUrl(bridge.screen)
            onSourceChanged: Qt.inputMethod.hide()
        }
    }
    }  // frame

    Connections {
        target: bridge
        // A new citizen: rebuild the page so no text input keeps the previous citizen's data.
        function onSessionChanged() {
            Qt.inputMethod.hide()
            pageLoader.active = false
            pageLoader.active = true
        }
    }

    // -- inactivity banner -------------------------------------------------------------------
    Rectangle {
        id: countdownBanner
        objectName: "countdownBanner"
        anchors.fill: parent
        visible: bridge.countdown >= 0
        color: Qt.rgba(0.04, 0.1, 0.2, 0.55)
        z: 50
        MouseArea { objectName: "tapShield"; anchors.fill: parent }  // swallow taps behind

        Rectangle {
            anchors.horizontalCenter: parent.horizontalCenter
            // Centred in the reach band (the whole screen unless in the lower-reach layout).
            y: root.bandTop + Math.max(0, (root.bandBottom - root.bandTop - height) / 2)
            width: Math.min(parent.width - 2 * Theme.margin, 900)
            height: bannerColumn.implicitHeight + 96
            radius: 24
            color: Theme.surface
            border.color: Theme.warning
            border.width: 4
            Column {
                id: bannerColumn
                anchors { left: parent.left; right: parent.right; top: parent.top; margins: 48 }
                spacing: 28
                Text {
                    width: parent.width
                    text: Texts.message("session.timeout_warning")
                    font.pixelSize: Theme.fontTitle
                    font.weight: Font.Bold
                    color: Theme.text
                    horizontalAlignment: Text.AlignHCenter
                    wrapMode: Text.Wrap
                }
                Text {
                    objectName: "countdownSeconds"
                    width: parent.width
                    text: bridge.countdown
                    font.pixelSize: Theme.lowReach ? 110 : 150
                    font.weight: Font.Bold
                    color: Theme.warning
                    horizontalAlignment: Text.AlignHCenter
                }
                Text {
                    width: parent.width
                    text: qsTr("For your privacy, the session will end in %1 seconds and your data will be cleared.").arg(Math.max(0, bridge.countdown))
                    font.pixelSize: Theme.fontBody
                    color: Theme.muted
                    horizontalAlignment: Text.AlignHCenter
                    wrapMode: Text.Wrap
                }
                KioskButton {
                    objectName: "continueButton"
                    anchors.horizontalCenter: parent.horizontalCenter
                    width: Math.min(parent.width, 560)
                    text: qsTr("Continue")
                    onClicked: bridge.intent("activity", {})
                }
            }
        }
    }

    Loader { objectName: "nightBlankLoader"; anchors.fill: parent; z: 180; source: "components/NightBlank.qml" }  // night blanking (issue 8)

    // -- maintenance mode (ui/maintenance.py), when the app runs with it ------------------------
    Loader {
        objectName: "maintenanceLoader"
        anchors.fill: parent
        z: 200
        active: typeof maintenance !== "undefined" && maintenance !== null
        source: active ? "maintenance/MaintenanceOverlay.qml" : ""
    }

    // -- on-screen keyboard (Pinyin and English) ----------------------------------------------
    // Created right after the first frame: the keyboard (with its Pinyin engine and sound
    // effects) is the slowest part of the window to load, and the attract screen needs none.
    onFrameSwapped: {
        if (!keyboard.active) {
            keyboard.active = true
            pageWarmUp.start()
        }
    }

    // Compile every page once the attract screen is up, while nobody is tapping: the first
    // visit of a page otherwise pays for compiling its QML (~100 ms for the service list).
    // The engine caches compiled types by URL; holding the components keeps them cached.
    property var warmPages: []
    Timer {
        id: pageWarmUp
        interval: 200
        onTriggered: {
            var names = Object.keys(root.pages)
            for (var i = 0; i < names.length; ++i)
                root.warmPages.push(Qt.createComponent(root.pageUrl(names[i]), Component.Asynchronous))
        }
    }

    Loader {
        id: keyboard
        readonly property bool keyboardActive: item !== null && item.active
        active: false
        z: 99
        // Full width in portrait; in landscape a full-width keyboard would cover half the screen.
        width: root.landscape ? Math.min(root.width, 1100) : root.width
        // The panel's implicit height: a Loader with a height binding sizes its item to it, so
        // `item.height` here would read back the Loader's own height (0).
        height: item ? item.implicitHeight : 0
        x: (root.width - width) / 2
        y: keyboardActive ? root.bandBottom - height : root.height
        visible: keyboardActive
        sourceComponent: InputPanel {
            objectName: "inputPanel"
            width: keyboard.width
        }
    }
}
