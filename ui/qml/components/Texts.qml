pragma Singleton
import QtQuick

// Translations of the keys the Qt-free core sends (messages, field errors, unavailability
// reasons, outputs, delivery options). Each text is a qsTr literal so lupdate finds it.
QtObject {
    function message(key) {
        switch (key) {
        case "": case undefined: case null: return ""
        case "idcard.insert": return qsTr("Please place your resident ID card on the card reader below")
        case "idcard.reading": return qsTr("Reading your ID card. Please do not move it…")
        case "idcard.reinsert": return qsTr("The card could not be read. Please place it on the reader again.")
        case "idcard.invalid": return qsTr("This card could not be verified. Please use a valid resident ID card.")
        case "idcard.unsupported": return qsTr("This type of card is not accepted here. Please go to a service desk.")
        case "idcard.unavailable": return qsTr("The ID card reader is out of service. Please go to a service desk.")
        case "idcard.mrz": return qsTr("The document could not be opened. Please check the document number and dates you entered.")
        case "idcard.mrz_needed": return qsTr("This is a travel document. Please enter the details from its photo page first.")
        case "idcard.mrz_enter": return qsTr("Enter the document number, date of birth and expiry date exactly as printed on your passport or permit")
        case "idcard.insert_travel": return qsTr("Please place your passport or permit, photo page down, on the card reader below")
        case "face.look": return qsTr("Please look straight at the camera and keep still")
        case "face.retry": return qsTr("Your face was not recognised. Please look straight at the camera and try again.")
        case "face.failed": return qsTr("Face verification failed. Please go to a service desk for help.")
        case "form.has_errors": return qsTr("Please correct the fields marked in red")
        case "print.failed": return qsTr("Your application was received, but the receipt could not be printed. Please show the receipt number below at a service desk.")
        case "session.timeout": return qsTr("Your session ended because there was no activity. Your data has been cleared.")
        case "session.timeout_warning": return qsTr("Your session is about to end")
        case "submit.failed": return qsTr("Your application could not be saved. Please try again or go to a service desk.")
        case "submit.storage_full": return qsTr("This terminal cannot accept applications right now. Please use another terminal.")
        case "terminal.out_of_service": return qsTr("This terminal is temporarily out of service")
        case "service.unknown": return qsTr("This service is not available")
        case "unavailable.idcard": return qsTr("ID card reader out of service")
        case "unavailable.camera": return qsTr("Camera out of service")
        case "unavailable.receipt": return qsTr("Receipt printer out of service")
        case "unavailable.licence": return qsTr("Document printer out of service")
        case "unavailable.offline": return qsTr("Needs the network, which is down")
        case "unavailable.hours": return qsTr("Outside opening hours")
        case "required": return qsTr("This field is required")
        case "invalid.choice": return qsTr("Please choose one of the options")
        case "invalid.name": return qsTr("Enter the name as printed on the ID card")
        case "invalid.phone": return qsTr("Enter an 11-digit mobile number")
        case "invalid.id_number": return qsTr("Enter an 18-character ID card number")
        case "invalid.id_number.check": return qsTr("The last character of the ID number does not match; please check it")
        case "invalid.id_number.birth_date": return qsTr("The ID number contains an impossible date of birth")
        case "invalid.credit_code": return qsTr("Enter the 18-character unified social credit code")
        case "invalid.credit_code.check": return qsTr("The check character of the credit code does not match; please check it")
        case "invalid.postal_code": return qsTr("Enter a 6-digit postal code")
        case "invalid.number": return qsTr("Enter a number")
        case "invalid.date": return qsTr("Enter a date as YYYY-MM-DD")
        case "invalid.mrz_document_number": return qsTr("Up to 9 letters and digits, as printed on the document")
        case "invalid.mrz_date": return qsTr("Enter 6 digits: year, month, day (e.g. 850321)")
        case "invalid.money": return qsTr("Enter an amount, e.g. 50 or 12.5")
        case "invalid.rows": return qsTr("Please complete or remove the rows marked in red")
        case "invalid.too_many": return qsTr("You have chosen too many; please remove some")
        case "invalid.capital_sum": return qsTr("The shareholders' contributions must add up to the registered capital")
        case "invalid.region": return qsTr("Choose the province, city and district again")
        case "invalid.address_detail": return qsTr("Enter the street, building and room number")
        case "courier.details_needed": return qsTr("For free courier delivery, please give the recipient and the address")
        case "rating.reason_needed": return qsTr("Please choose at least one reason")
        case "lookup.loading": return qsTr("Looking up your records online…")
        case "lookup.none_enterprises": return qsTr("No enterprise lists you as its legal representative. Please go to a service desk.")
        case "lookup.none_certificates": return qsTr("No electronic certificates were found for you.")
        case "lookup.failed": return qsTr("The online system did not answer. Please try again later or go to a service desk.")
        }
        if (String(key).indexOf("invalid.") === 0)
            return qsTr("Please check this entry")
        if (String(key).indexOf("unavailable.") === 0)
            return qsTr("Temporarily unavailable")
        return qsTr("Something went wrong. Please go to a service desk for help.")
    }

    function output(key) {
        switch (key) {
        case "receipt": return qsTr("Receipt")
        case "licence": return qsTr("Printed document (A4)")
        }
        return key
    }

    function delivery(key) {
        switch (key) {
        case "pickup": return qsTr("Collect at the service centre")
        case "courier": return qsTr("Send by post")
        }
        return key
    }

    function identity(key) {
        switch (key) {
        case "id_card_face": return qsTr("ID card + face check")
        case "id_card": return qsTr("ID card")
        case "none": return qsTr("No ID needed")
        }
        return ""
    }

    function tone(key) {
        if (!key)
            return "info"
        var k = String(key)
        if (k === "idcard.insert" || k === "idcard.reading" || k === "face.look"
                || k === "idcard.insert_travel" || k === "idcard.mrz_enter")
            return "info"
        if (k === "idcard.mrz_needed")
            return "warning"
        if (k === "idcard.reinsert" || k === "face.retry" || k === "session.timeout")
            return "warning"
        return "error"
    }
}
