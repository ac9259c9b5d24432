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

    // -- top bar --------------------------------------------------------------------------
    Rectangle {
        id: topBar
        objectName: "topBar"
        anchors { left: parent.left; right: parent.right; top: parent.top }
        height: Theme.topBarHeight
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
            anchors { left: parent.left; leftMargin: 32; verticalCenter: parent.verticalCenter }
            spacing: 22
            Emblem { width: 84; height: 84; anchors.verticalCenter: parent.verticalCenter }
            Column {
                anchors.verticalCenter: parent.verticalCenter
                spacing: 2
                Text {
                    objectName: "centreName"
                    width: Math.min(implicitWidth, root.width - actions.width - 200)
                    text: bridge.centreName
                    color: "white"
                    font.pixelSize: 38
                    font.weight: Font.Bold
                    elide: Text.ElideRight
                }
                Text {
                    objectName: "topBarSubtitle"
                    text: qsTr("24-hour self-service")
                    color: "#D6E4F5"
                    font.pixelSize: 26
                }
            }
        }

        Row {
            id: actions
            anchors { right: parent.right; rightMargin: 28; verticalCenter: parent.verticalCenter }
            spacing: 18
            Text {
                id: clock
                anchors.verticalCenter: parent.verticalCenter
                visible: root.landscape || !root.inSession
                color: "white"
                font.pixelSize: 34
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
                implicitHeight: 92
                implicitWidth: 190
                fontSize: 32
                // Each language is named in its own script, so these two are not translated.
                text: bridge.language === "zh_CN" ? "English" : "中文"
                onClicked: bridge.intent("language", {"lang": bridge.language === "zh_CN" ? "en" : "zh_CN"})
            }
            KioskButton {
                objectName: "cancelButton"
                visible: root.inSession
                kind: "danger"
                implicitHeight: 92
                implicitWidth: Math.max(200, contentItem.implicitWidth + 64)
                fontSize: 32
                text: qsTr("Home")
                onClicked: bridge.intent("cancel", {})
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
            bottom: keyboard.keyboardActive ? keyboard.top : parent.bottom
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
        MouseArea { anchors.fill: parent }  // swallow taps on the page behind

        Rectangle {
            anchors.centerIn: parent
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
                    font.pixelSize: 150
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
    onFrameSwapped: if (!keyboard.active) keyboard.active = true

    Loader {
        id: keyboard
        readonly property bool keyboardActive: item !== null && item.active
        active: false
        z: 99
        // Full width in portrait; in landscape a full-width keyboard would cover half the screen.
        width: root.landscape ? Math.min(root.width, 1100) : root.width
        height: item ? item.height : 0
        x: (root.width - width) / 2
        y: keyboardActive ? root.height - height : root.height
        visible: keyboardActive
        sourceComponent: InputPanel {
            objectName: "inputPanel"
            width: keyboard.width
        }
    }
}
