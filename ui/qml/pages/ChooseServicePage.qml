import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "../components"

// Choosing a service three ways (the flow's data.mode): by department (cards grouped under
// department headings, with a department filter), by life event (一件事: theme cards, then the
// theme's services in order) and by search (Chinese, pinyin or initials, typed with the
// on-screen Pinyin keyboard). Unavailable services are greyed out with the reason.
Item {
    id: page
    objectName: "chooseServicePage"
    readonly property var d: bridge.data
    readonly property string mode: d.mode || "department"
    // Copies of the flow's lists that change only when their content does: a new array on
    // every view update would rebuild every card, and a card rebuilt between press and release
    // loses the citizen's tap.
    property var departments: []
    property var themes: []
    property var services: []
    function refresh() {
        var next = {"departments": d.departments || [], "themes": d.themes || [], "services": d.services || []}
        for (var key in next) {
            if (JSON.stringify(next[key]) !== JSON.stringify(page[key]))
                page[key] = next[key]
        }
    }
    Component.onCompleted: refresh()
    Connections {
        target: bridge
        function onDataChanged() { page.refresh() }
    }
    readonly property bool landscape: width > height
    readonly property int columns: Theme.columnsFor(width > 1400 ? 3 : 2)
    readonly property bool keyboardUp: Qt.inputMethod.visible
    readonly property int gap: Theme.dp(20)

    function servicesOf(dep) {
        return services.filter(function (s) { return s.department === dep })
    }

    function showTab(tab) {
        if (tab === "department")
            bridge.intent("department", {})
        else if (tab === "theme")
            bridge.intent("theme", {})
        else
            bridge.intent("search", {})
    }

    PageTitle {
        id: title
        anchors { left: parent.left; right: parent.right; top: parent.top; margins: Theme.margin }
        anchors.topMargin: visible ? Theme.margin : 0
        // The keyboard takes half the screen while searching: the heading gives way to results.
        visible: !page.keyboardUp
        height: visible ? implicitHeight : 0
        text: qsTr("Choose a service")
        subtitle: page.landscape ? "" : qsTr("Find it by department, by life event or by searching")
    }

    // Tabs, then what the tab offers (department filter, theme heading or search field): one
    // column in portrait, side by side in landscape where height is short.
    GridLayout {
        id: controls
        anchors { left: parent.left; right: parent.right; top: title.bottom }
        anchors { leftMargin: Theme.margin; rightMargin: Theme.margin; topMargin: Theme.spacing }
        columns: page.landscape ? 2 : 1
        columnSpacing: Theme.spacing
        rowSpacing: Theme.spacing

        Row {
            id: tabs
            objectName: "browseTabs"
            Layout.fillWidth: !page.landscape
            spacing: Theme.dp(12)
            // Portrait: three equal tabs across; landscape: each as wide as its label.
            readonly property real tabWidth: (controls.width - 2 * spacing) / 3
            Repeater {
                model: [
                    {"id": "department", "text": qsTr("Departments")},
                    {"id": "theme", "text": qsTr("Life events")},
                    {"id": "search", "text": qsTr("Search")}
                ]
                KioskButton {
                    objectName: "tab_" + modelData.id
                    kind: "secondary"
                    selected: page.mode === modelData.id
                    width: page.landscape ? Math.max(Theme.dp(200), contentItem.implicitWidth + Theme.dp(56))
                                          : tabs.tabWidth
                    implicitHeight: Theme.dp(96)
                    fontSize: Theme.px(34)
                    text: modelData.text
                    leftPadding: Theme.dp(12)
                    rightPadding: Theme.dp(12)
                    // Large text in English: shrink a long label to fit rather than cut it.
                    Component.onCompleted: {
                        contentItem.fontSizeMode = Text.HorizontalFit
                        contentItem.minimumPixelSize = Theme.fontSmall
                    }
                    Accessible.checkable: true
                    Accessible.checked: selected
                    onClicked: {
                        page.showTab(modelData.id)
                        if (modelData.id === "search") {
                            searchField.forceActiveFocus()
                        } else {
                            // Browsing needs the whole screen: the keyboard goes.
                            searchField.focus = false
                            Qt.inputMethod.hide()
                        }
                    }
                }
            }
        }

        Item {
            Layout.fillWidth: true
            readonly property bool themeChosen: page.mode === "theme" && (page.d.theme || "") !== ""
            implicitHeight: page.mode === "department" ? filters.height
                          : page.mode === "search" ? searchField.height
                          : themeChosen ? themeHeader.implicitHeight : 0
            visible: page.mode !== "theme" || themeChosen

            ListView {
                id: filters
                objectName: "departmentFilter"
                visible: page.mode === "department"
                width: parent.width
                height: Theme.dp(90)
                orientation: ListView.Horizontal
                spacing: Theme.dp(16)
                clip: true
                boundsBehavior: Flickable.StopAtBounds
                // The first entry ("" = all departments) is followed by each department.
                model: [{"id": "", "title": qsTr("All")}].concat(page.departments)
                delegate: KioskButton {
                    objectName: modelData.id === "" ? "department_all" : "department_" + modelData.id
                    kind: "secondary"
                    selected: (page.d.department || "") === modelData.id
                    implicitHeight: Theme.dp(90)
                    implicitWidth: contentItem.implicitWidth + Theme.dp(56)
                    fontSize: Theme.px(30)
                    text: modelData.title
                    onClicked: bridge.intent("department", {"id": modelData.id})
                }
            }

            RowLayout {
                id: themeHeader
                objectName: "themeHeader"
                visible: parent.themeChosen
                width: parent.width
                spacing: Theme.spacing
                KioskButton {
                    objectName: "themeBack"
                    kind: "secondary"
                    implicitHeight: Theme.dp(90)
                    implicitWidth: contentItem.implicitWidth + Theme.dp(56)
                    fontSize: Theme.px(30)
                    text: qsTr("‹ All life events")
                    onClicked: bridge.intent("theme", {"id": ""})
                }
                Column {
                    Layout.fillWidth: true
                    spacing: Theme.dp(4)
                    Text {
                        objectName: "themeTitle"
                        width: parent.width
                        text: page.d.theme_title || ""
                        font.family: Theme.fontFamily
                        font.pixelSize: Theme.px(38)
                        font.weight: Font.Bold
                        color: Theme.primaryDark
                        wrapMode: Text.Wrap
                    }
                    Text {
                        width: parent.width
                        visible: !page.landscape && text !== ""
                        text: page.d.theme_description || ""
                        font.family: Theme.fontFamily
                        font.pixelSize: Theme.px(27)
                        color: Theme.muted
                        wrapMode: Text.Wrap
                    }
                }
            }

            TextField {
                id: searchField
                objectName: "searchField"
                visible: page.mode === "search"
                width: parent.width
                height: Theme.dp(100)
                font.family: Theme.fontFamily
                font.pixelSize: Theme.px(38)
                leftPadding: Theme.dp(24)
                rightPadding: clearButton.width + Theme.dp(24)
                maximumLength: 40
                inputMethodHints: Qt.ImhNoAutoUppercase
                placeholderText: qsTr("Service name, pinyin or initials, e.g. yyzz")
                placeholderTextColor: Theme.disabledText
                color: Theme.text
                // While the Pinyin keyboard composes, the letters are pre-edit text, not yet
                // committed: searching them is what makes initials (yyzz) work as typed.
                readonly property string query: text + preeditText
                property bool ready: false
                Component.onCompleted: { text = page.d.query || ""; ready = true }
                onQueryChanged: if (ready) debounce.restart()
                Timer {
                    id: debounce
                    interval: 120
                    onTriggered: bridge.intent("search", {"text": searchField.query})
                }
                background: Rectangle {
                    radius: Theme.radius
                    color: Theme.surface
                    border.width: searchField.activeFocus ? Theme.borderWidth + 2 : Theme.borderWidth
                    border.color: searchField.activeFocus ? Theme.primary : Theme.border
                }
                AbstractButton {
                    id: clearButton
                    objectName: "searchClear"
                    visible: searchField.query !== ""
                    anchors { right: parent.right; verticalCenter: parent.verticalCenter; rightMargin: Theme.dp(8) }
                    width: Theme.dp(84)
                    height: Theme.dp(84)
                    focusPolicy: Qt.NoFocus
                    Accessible.name: qsTr("Clear")
                    onClicked: {
                        Qt.inputMethod.reset()
                        searchField.clear()
                        bridge.intent("search", {"text": ""})
                    }
                    contentItem: Text {
                        text: "✕"
                        font.pixelSize: Theme.px(36)
                        color: Theme.muted
                        horizontalAlignment: Text.AlignHCenter
                        verticalAlignment: Text.AlignVCenter
                    }
                }
            }
        }
    }

    MessageBox {
        id: notice
        anchors { left: parent.left; right: parent.right; top: controls.bottom; margins: Theme.margin; topMargin: Theme.dp(20) }
        tone: "error"
        text: Texts.message(bridge.message)
        height: visible ? implicitHeight : 0
    }

    Flickable {
        id: list
        objectName: "serviceList"
        anchors { left: parent.left; right: parent.right; top: notice.bottom; bottom: parent.bottom; topMargin: Theme.spacing }
        contentHeight: body.implicitHeight + Theme.margin
        clip: true
        boundsBehavior: Flickable.StopAtBounds
        ScrollBar.vertical: ScrollBar { width: Theme.dp(14); policy: list.contentHeight > list.height + 2 ? ScrollBar.AlwaysOn : ScrollBar.AsNeeded }
        // A new tab, theme or search shows its list from the top.
        Connections {
            target: page
            function onModeChanged() { list.contentY = 0 }
        }
        Connections {
            target: bridge
            function onDataChanged() {
                if ((page.d.theme || "") !== list.lastTheme || (page.d.query || "") !== list.lastQuery
                        || (page.d.department || "") !== list.lastDepartment)
                    list.contentY = 0
                list.lastTheme = page.d.theme || ""
                list.lastQuery = page.d.query || ""
                list.lastDepartment = page.d.department || ""
            }
        }
        property string lastTheme: page.d.theme || ""
        property string lastQuery: page.d.query || ""
        property string lastDepartment: page.d.department || ""

        Column {
            id: body
            x: Theme.margin
            width: list.width - 2 * Theme.margin
            spacing: Theme.dp(36)

            // -- by department: grouped under headings ---------------------------------------
            Repeater {
                model: page.mode === "department" ? page.departments.filter(function (dep) {
                    return page.servicesOf(dep.id).length > 0
                }) : []
                Column {
                    width: body.width
                    spacing: Theme.dp(18)
                    Row {
                        spacing: Theme.dp(16)
                        Rectangle { width: Theme.dp(10); height: Theme.dp(44); radius: Theme.dp(4); color: Theme.primary; anchors.verticalCenter: parent.verticalCenter }
                        Text {
                            text: modelData.title
                            font.family: Theme.fontFamily
                            font.pixelSize: Theme.px(38)
                            font.weight: Font.Bold
                            color: Theme.primaryDark
                        }
                    }
                    // The first departments are built with the page; the rest (below the fold)
                    // are built over the next frames, so the tap that opens the list draws at
                    // once (56 cards in one frame took ~80 ms on a 2-core terminal).
                    Loader {
                        asynchronous: index >= 2
                        sourceComponent: Grid {
                            columns: page.columns
                            spacing: page.gap
                            Repeater {
                                model: page.servicesOf(modelData.id)
                                ServiceCard {
                                    width: (body.width - (page.columns - 1) * page.gap) / page.columns
                                    service: modelData
                                }
                            }
                        }
                    }
                }
            }

            // -- life events: the themes, or one theme's services in order -----------------
            Grid {
                objectName: "themeList"
                visible: page.mode === "theme" && (page.d.theme || "") === ""
                columns: page.columns
                spacing: page.gap
                Repeater {
                    model: page.mode === "theme" ? page.themes : []
                    ThemeCard {
                        width: (body.width - (page.columns - 1) * page.gap) / page.columns
                        theme: modelData
                    }
                }
            }

            // -- one theme's services, or search results: one flat list -------------------
            Grid {
                objectName: "flatServiceList"
                visible: page.mode !== "department" && page.services.length > 0
                columns: page.columns
                spacing: page.gap
                Repeater {
                    model: page.mode !== "department" ? page.services : []
                    ServiceCard {
                        width: (body.width - (page.columns - 1) * page.gap) / page.columns
                        service: modelData
                        step: page.mode === "theme" ? index + 1 : 0
                        showDepartment: true
                    }
                }
            }

            Text {
                id: searchHint
                objectName: "searchHint"
                visible: page.mode === "search" && page.services.length === 0
                width: body.width
                topPadding: Theme.dp(24)
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.Wrap
                font.family: Theme.fontFamily
                font.pixelSize: Theme.fontBody
                color: Theme.muted
                readonly property string query: (page.d.query || "").trim()
                text: query === ""
                      ? qsTr("Type a service name in Chinese, in pinyin or by its initials: yyzz finds 营业执照, gjj finds 公积金.")
                      : qsTr("No service matches “%1”. Try fewer words or the initials, or browse by department.").arg(query)
            }
        }
    }

    component ServiceCard: AbstractButton {
        id: card
        property var service: ({})
        property int step: 0  // position in a life event's list (0: none)
        property bool showDepartment: false
        objectName: "service_" + service.id
        enabled: service.available
        implicitHeight: Math.max(Theme.dp(170), content.implicitHeight + Theme.dp(48))
        focusPolicy: Qt.NoFocus
        Accessible.name: (service.title || "") + (enabled ? "" : ", " + Texts.message(service.reason))
        onClicked: bridge.intent("choose_service", {"service_id": service.id})
        background: Rectangle {
            radius: Theme.radius
            color: !card.enabled ? Theme.disabled : card.down ? Theme.primaryLight : Theme.surface
            border.width: Theme.borderWidth
            border.color: card.enabled ? Theme.border : "transparent"
            Rectangle {  // accent strip on the left edge
                visible: card.step === 0
                width: Theme.dp(8)
                radius: Theme.dp(4)
                anchors { left: parent.left; top: parent.top; bottom: parent.bottom; margins: Theme.dp(14) }
                color: card.enabled ? Theme.primary : Theme.disabledText
            }
        }
        contentItem: Item {
            Rectangle {  // the step number in a life event
                id: badge
                visible: card.step > 0
                anchors { left: parent.left; leftMargin: Theme.dp(20); verticalCenter: parent.verticalCenter }
                width: Theme.dp(56)
                height: width
                radius: width / 2
                color: card.enabled ? Theme.primary : Theme.disabledText
                Text {
                    anchors.centerIn: parent
                    text: card.step
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.px(30)
                    font.weight: Font.Bold
                    color: Theme.textOnPrimary
                }
            }
            Column {
                id: content
                anchors { left: parent.left; right: parent.right; verticalCenter: parent.verticalCenter }
                anchors.leftMargin: card.step > 0 ? Theme.dp(96) : Theme.dp(42)
                anchors.rightMargin: Theme.dp(24)
                spacing: Theme.dp(8)
                Text {
                    width: parent.width
                    text: card.service.title || ""
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.px(36)
                    font.weight: Font.Medium
                    color: card.enabled ? Theme.text : Theme.disabledText
                    wrapMode: Text.Wrap
                }
                Text {
                    width: parent.width
                    visible: card.showDepartment
                    text: card.service.department_title || ""
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.px(26)
                    color: card.enabled ? Theme.primaryDark : Theme.disabledText
                    elide: Text.ElideRight
                }
                Text {
                    width: parent.width
                    text: card.enabled ? Texts.identity(card.service.identity)
                                       : Texts.message(card.service.reason)
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.px(27)
                    color: card.enabled ? Theme.muted : Theme.error
                    wrapMode: Text.Wrap
                }
            }
        }
    }

    component ThemeCard: AbstractButton {
        id: tcard
        property var theme: ({})
        objectName: "theme_" + theme.id
        implicitHeight: Math.max(Theme.dp(200), tbody.implicitHeight + Theme.dp(48))
        focusPolicy: Qt.NoFocus
        Accessible.name: theme.title || ""
        onClicked: bridge.intent("theme", {"id": theme.id})
        background: Rectangle {
            radius: Theme.radius
            color: tcard.down ? Theme.primaryLight : Theme.surface
            border.width: Theme.borderWidth
            border.color: Theme.border
            Rectangle {  // a warm accent: life events stand apart from departments
                width: Theme.dp(8)
                radius: Theme.dp(4)
                anchors { left: parent.left; top: parent.top; bottom: parent.bottom; margins: Theme.dp(14) }
                color: Theme.accent
            }
        }
        contentItem: Item {
            Column {
                id: tbody
                anchors { left: parent.left; right: parent.right; verticalCenter: parent.verticalCenter }
                anchors { leftMargin: Theme.dp(42); rightMargin: Theme.dp(24) }
                spacing: Theme.dp(8)
                Text {
                    width: parent.width
                    text: tcard.theme.title || ""
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.px(36)
                    font.weight: Font.Bold
                    color: Theme.text
                    wrapMode: Text.Wrap
                }
                Text {
                    width: parent.width
                    text: tcard.theme.description || ""
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.px(26)
                    color: Theme.muted
                    wrapMode: Text.Wrap
                    maximumLineCount: 3
                    elide: Text.ElideRight
                }
                Text {
                    text: qsTr("%1 services").arg(tcard.theme.count || 0)
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.px(26)
                    font.weight: Font.Medium
                    color: Theme.primary
                }
            }
        }
    }
}
