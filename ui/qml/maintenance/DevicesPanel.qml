import QtQuick
import QtQuick.Controls.Basic
import "../components"

// One card per device: state, status code, severity, action (DEVICES.md), last error, the
// functional test (card read, test receipt/page with preview, camera preview), paper counters,
// fault-word tests and the device's recent raw I/O (personal bytes masked by the drivers).
ListView {
    id: list
    objectName: "maintenanceDevices"
    property var m
    property var t
    clip: true
    spacing: Theme.spacing
    // The model is the count only: the data refreshes every second, and a new list as model
    // would rebuild the delegates and throw the technician back to the top of the list.
    model: m ? m.devices.length : 0

    readonly property var names: ({
        "idcard": ["身份证读卡器", "ID card reader"],
        "receipt": ["凭条打印机", "Receipt printer"],
        "licence": ["A4 证照打印机", "A4 document printer"],
        "camera": ["摄像头", "Camera"]
    })
    // The functional test of each device class: [objectName suffix, zh, en].
    readonly property var functional: ({
        "idcard": ["card", "读卡测试", "Read a card"],
        "receipt": ["receipt", "打印测试凭条", "Test receipt"],
        "licence": ["licence", "打印测试页", "Test page"],
        "camera": ["camera", "摄像头预览", "Camera preview"]
    })

    function severityColour(s) {
        return s === "alarm" ? Theme.error : s === "warning" ? Theme.warning : Theme.success
    }
    function when(at) {
        return at ? new Date(at * 1000).toLocaleString(Qt.locale(), "MM-dd hh:mm:ss") : "—"
    }
    function testText(r) {
        if (!r) return ""
        var head = list.t("测试", "test") + " " + list.when(r.at) + ": "
        if (r.state === "waiting") return head + list.t("等待结果…", "waiting…")
        if (r.state === "failed") return head + list.t("失败", "failed") + " (" + (r.reason || "") + ")"
        if (r.masked) return head + "OK  " + r.masked.card_type + "  " + r.masked.name + "  "
                             + r.masked.id_number + "  " + list.t("照片", "photo") + ": "
                             + (r.masked.photo ? list.t("有", "yes") : list.t("无", "no"))
        return head + "OK"
    }
    function runFunctional(device) {
        if (device === "idcard") list.m.testCard()
        else if (device === "camera") list.m.cameraPreview(true)
        else list.m.testPrint(device)
    }

    delegate: Rectangle {
        id: cardRoot
        readonly property var dev: (list.m && list.m.devices[index]) || ({ device: "", io: [], tests: [] })
        width: list.width
        height: card.implicitHeight + 2 * Theme.spacing
        radius: Theme.radius
        color: Theme.surface
        border.color: list.severityColour(cardRoot.dev.severity)
        border.width: Theme.borderWidth + 1
        Column {
            id: card
            anchors { left: parent.left; right: parent.right; top: parent.top; margins: Theme.spacing }
            spacing: Theme.dp(8)
            property string deviceName: cardRoot.dev.device
            property string testWords: (cardRoot.dev.tests || []).join(" ")
            Row {
                spacing: Theme.spacing
                Text {
                    objectName: "maintenanceDevice_" + cardRoot.dev.device
                    text: (list.names[cardRoot.dev.device]
                           ? list.t(list.names[cardRoot.dev.device][0], list.names[cardRoot.dev.device][1]) + "  "
                           : "") + cardRoot.dev.device
                    font.pixelSize: Theme.fontLarge
                    font.weight: Font.Bold
                    color: Theme.text
                }
                Rectangle {
                    anchors.verticalCenter: parent.verticalCenter
                    width: statusText.implicitWidth + Theme.spacing
                    height: statusText.implicitHeight + Theme.dp(8)
                    radius: Theme.dp(8)
                    color: list.severityColour(cardRoot.dev.severity)
                    Text {
                        id: statusText
                        objectName: "maintenanceStatus_" + cardRoot.dev.device
                        anchors.centerIn: parent
                        text: cardRoot.dev.status
                        color: Theme.textOnPrimary
                        font.pixelSize: Theme.fontSmall
                    }
                }
            }
            Text {
                width: parent.width
                wrapMode: Text.Wrap
                text: list.t("可用性", "availability") + ": " + cardRoot.dev.availability + " (" + cardRoot.dev.state + ")   "
                      + list.t("级别", "severity") + ": " + cardRoot.dev.severity + "   "
                      + list.t("处理", "action") + ": " + cardRoot.dev.action
                      + (cardRoot.dev.detail ? "   · " + cardRoot.dev.detail : "")
                font.pixelSize: Theme.fontSmall
                color: Theme.muted
            }
            Text {
                objectName: "maintenanceLastError_" + cardRoot.dev.device
                visible: !!cardRoot.dev.last_error
                text: list.t("最近故障", "last error") + ": "
                      + (cardRoot.dev.last_error ? cardRoot.dev.last_error.status + " (" + list.when(cardRoot.dev.last_error.at) + ")" : "")
                font.pixelSize: Theme.fontSmall
                color: Theme.muted
            }
            // -- the functional test and its (masked) result ------------------------------
            Row {
                spacing: Theme.spacing
                KioskButton {
                    objectName: "maintenanceFunctional_" + card.deviceName
                    kind: "primary"
                    implicitHeight: Theme.dp(72)
                    implicitWidth: Math.max(Theme.dp(220), contentItem.implicitWidth + Theme.dp(48))
                    fontSize: Theme.fontSmall
                    text: list.functional[card.deviceName]
                          ? list.t(list.functional[card.deviceName][1], list.functional[card.deviceName][2]) : ""
                    visible: !!list.functional[card.deviceName]
                    onClicked: list.runFunctional(card.deviceName)
                }
                KioskButton {
                    objectName: "maintenancePaper_" + card.deviceName
                    visible: !!cardRoot.dev.paper
                    kind: "secondary"
                    implicitHeight: Theme.dp(72)
                    implicitWidth: Math.max(Theme.dp(220), contentItem.implicitWidth + Theme.dp(48))
                    fontSize: Theme.fontSmall
                    text: card.deviceName === "receipt" ? list.t("已更换凭条纸", "Receipt paper replaced")
                                                        : list.t("已更换 A4 纸", "A4 paper replaced")
                    onClicked: list.m.paperReplaced(card.deviceName)
                }
            }
            Text {
                objectName: "maintenancePaperCount_" + card.deviceName
                visible: !!cardRoot.dev.paper
                text: cardRoot.dev.paper ? list.t("换纸次数", "paper replaced") + ": " + cardRoot.dev.paper.count
                                        + "   " + list.t("上次", "last") + ": " + list.when(cardRoot.dev.paper.last) : ""
                font.pixelSize: Theme.fontSmall
                color: Theme.text
            }
            Text {
                objectName: "maintenanceTestResult_" + card.deviceName
                visible: !!cardRoot.dev.test
                text: list.testText(cardRoot.dev.test)
                font.pixelSize: Theme.fontSmall
                color: cardRoot.dev.test && cardRoot.dev.test.state === "failed" ? Theme.error : Theme.text
            }
            // -- fault words (simulators and the rig) ------------------------------------
            Flow {
                width: parent.width
                spacing: Theme.dp(12)
                Repeater {
                    // A string in between: the buttons are rebuilt only when the words change.
                    model: card.testWords ? card.testWords.split(" ") : []
                    KioskButton {
                        objectName: "maintenanceTest_" + card.deviceName + "_" + modelData
                        kind: "secondary"
                        implicitHeight: Theme.dp(60)
                        implicitWidth: Math.max(Theme.dp(160), contentItem.implicitWidth + Theme.dp(40))
                        fontSize: Theme.px(22)
                        text: modelData
                        onClicked: list.m.runTest(card.deviceName, modelData)
                    }
                }
            }
            // -- recent raw I/O --------------------------------------------------------
            Text {
                text: list.t("最近通信", "recent I/O") + " (" + cardRoot.dev.io.length + " / " + cardRoot.dev.io_total + ")"
                font.pixelSize: Theme.fontSmall
                font.weight: Font.Bold
                color: Theme.text
            }
            Rectangle {
                objectName: "maintenanceIo_" + card.deviceName
                width: parent.width
                height: ioColumn.implicitHeight + Theme.dp(16)
                radius: Theme.dp(6)
                color: Theme.background
                border.color: Theme.border
                Column {
                    id: ioColumn
                    anchors { left: parent.left; right: parent.right; top: parent.top; margins: Theme.dp(8) }
                    Repeater {
                        model: cardRoot.dev.io.slice(-6)
                        Text {
                            width: ioColumn.width
                            elide: Text.ElideRight
                            font.family: "monospace"
                            font.pixelSize: Theme.px(18)
                            color: Theme.text
                            text: new Date(modelData.at * 1000).toLocaleString(Qt.locale(), "hh:mm:ss") + " "
                                  + (modelData.direction === "out" ? "→" : modelData.direction === "in" ? "←" : "·")
                                  + " " + (modelData.note ? "[" + modelData.note + "] " : "")
                                  + (modelData.length ? modelData.length + " B  " + modelData.data : "")
                                  + (modelData.repeats > 1 ? "   ×" + modelData.repeats : "")
                        }
                    }
                    Text {
                        visible: cardRoot.dev.io.length === 0
                        text: list.t("暂无", "none yet")
                        font.pixelSize: Theme.px(18)
                        color: Theme.muted
                    }
                }
            }
        }
    }
}
