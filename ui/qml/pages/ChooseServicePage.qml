import QtQuick
import QtQuick.Controls.Basic
import "../components"

// Services as cards grouped by department, with a department filter; unavailable ones are
// greyed out with the reason.
Item {
    id: page
    objectName: "chooseServicePage"
    readonly property var d: bridge.data
    readonly property var departments: d.departments || []
    readonly property var services: d.services || []
    readonly property int columns: width > 1400 ? 3 : 2

    function servicesOf(dep) {
        return services.filter(function (s) { return s.department === dep })
    }

    PageTitle {
        id: title
        anchors { left: parent.left; right: parent.right; top: parent.top; margins: Theme.margin }
        text: qsTr("Choose a service")
        subtitle: qsTr("Tap the service you want to apply for")
    }

    ListView {
        id: filters
        objectName: "departmentFilter"
        anchors { left: parent.left; right: parent.right; top: title.bottom; topMargin: 28 }
        height: 90
        leftMargin: Theme.margin
        rightMargin: Theme.margin
        orientation: ListView.Horizontal
        spacing: 16
        clip: true
        boundsBehavior: Flickable.StopAtBounds
        // The first entry ("" = all departments) is followed by each department.
        model: [{"id": "", "title": qsTr("All")}].concat(page.departments)
        delegate: KioskButton {
            objectName: modelData.id === "" ? "department_all" : "department_" + modelData.id
            kind: "secondary"
            selected: (page.d.department || "") === modelData.id
            implicitHeight: 90
            implicitWidth: contentItem.implicitWidth + 56
            fontSize: 30
            text: modelData.title
            onClicked: bridge.intent("department", {"id": modelData.id})
        }
    }

    MessageBox {
        id: notice
        anchors { left: parent.left; right: parent.right; top: filters.bottom; margins: Theme.margin; topMargin: 20 }
        tone: "error"
        text: Texts.message(bridge.message)
        height: visible ? implicitHeight : 0
    }

    Flickable {
        id: list
        objectName: "serviceList"
        anchors { left: parent.left; right: parent.right; top: notice.bottom; bottom: parent.bottom; topMargin: 28 }
        contentHeight: groups.implicitHeight + Theme.margin
        clip: true
        ScrollBar.vertical: ScrollBar { width: 14 }

        Column {
            id: groups
            x: Theme.margin
            width: list.width - 2 * Theme.margin
            spacing: 36
            Repeater {
                model: page.departments.filter(function (dep) {
                    return page.servicesOf(dep.id).length > 0
                })
                Column {
                    width: groups.width
                    spacing: 18
                    Row {
                        spacing: 16
                        Rectangle { width: 10; height: 44; radius: 4; color: Theme.primary; anchors.verticalCenter: parent.verticalCenter }
                        Text {
                            text: modelData.title
                            font.pixelSize: 38
                            font.weight: Font.Bold
                            color: Theme.primaryDark
                        }
                    }
                    Grid {
                        columns: page.columns
                        spacing: 20
                        Repeater {
                            model: page.servicesOf(modelData.id)
                            ServiceCard {
                                width: (groups.width - (page.columns - 1) * 20) / page.columns
                                service: modelData
                            }
                        }
                    }
                }
            }
        }
    }

    component ServiceCard: AbstractButton {
        id: card
        property var service: ({})
        objectName: "service_" + service.id
        enabled: service.available
        implicitHeight: Math.max(170, body.implicitHeight + 48)
        focusPolicy: Qt.NoFocus
        onClicked: bridge.intent("choose_service", {"service_id": service.id})
        background: Rectangle {
            radius: Theme.radius
            color: !card.enabled ? Theme.disabled : card.down ? Theme.primaryLight : Theme.surface
            border.width: 2
            border.color: card.enabled ? Theme.border : "transparent"
            Rectangle {  // accent strip on the left edge
                width: 8
                radius: 4
                anchors { left: parent.left; top: parent.top; bottom: parent.bottom; margins: 14 }
                color: card.enabled ? Theme.primary : Theme.disabledText
            }
        }
        contentItem: Item {
            Column {
                id: body
                anchors { left: parent.left; right: parent.right; verticalCenter: parent.verticalCenter; leftMargin: 42; rightMargin: 24 }
                spacing: 10
                Text {
                    width: parent.width
                    text: card.service.title || ""
                    font.pixelSize: 36
                    font.weight: Font.Medium
                    color: card.enabled ? Theme.text : Theme.disabledText
                    wrapMode: Text.Wrap
                }
                Text {
                    width: parent.width
                    text: card.enabled ? Texts.identity(card.service.identity)
                                       : Texts.message(card.service.reason)
                    font.pixelSize: 27
                    color: card.enabled ? Theme.muted : Theme.error
                    wrapMode: Text.Wrap
                }
            }
        }
    }
}
