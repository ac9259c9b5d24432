import QtQuick

BusyPage {
    objectName: "submittingPage"
    heading: qsTr("Submitting your application…")
    detail: (bridge.data.service_title || "") + "\n" + qsTr("Please wait, this takes a few seconds.")
}
