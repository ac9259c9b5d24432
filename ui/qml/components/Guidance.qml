pragma Singleton
import QtQuick

// What voice guidance reads for each screen: its title and what to do next. Only fixed texts,
// the service title and the current message are used, never form values or card data (voice
// must not read personal data aloud; kiosk.terminal.Terminal.speak filters once more).
QtObject {
    function title(screen) {
        switch (screen) {
        case "attract": return qsTr("Welcome to the 24-hour self-service terminal")
        case "choose_service": return qsTr("Choose a service")
        case "identify": return qsTr("Identity check")
        case "verify_face": return qsTr("Face check")
        case "fill_form": return qsTr("Fill in the form")
        case "review": return qsTr("Check your application")
        case "submitting": return qsTr("Submitting your application")
        case "printing": return qsTr("Printing")
        case "rating": return qsTr("Rate this service")
        case "done": return qsTr("Your application has been submitted")
        }
        return ""
    }

    function instructions(screen) {
        switch (screen) {
        case "attract": return qsTr("Touch the start button in the middle of the screen to begin. Large text, high contrast and the lower layout for wheelchair users are at the top of the screen.")
        case "choose_service": return qsTr("Choose a department, then touch the service you need. Touch Home at the top right to leave.")
        case "identify": return qsTr("Place your resident ID card on the card reader below the screen and keep it there until it has been read.")
        case "verify_face": return qsTr("Look straight at the camera above the screen and keep still.")
        case "fill_form": return qsTr("Touch each field and type with the keyboard on the screen. Fields read from your ID card are already filled in. Touch Next when you are done.")
        case "review": return qsTr("Check what you entered and choose how to receive the result. Touch Submit to send the application, or Back to change it.")
        case "submitting": return qsTr("Please wait, this takes a few seconds.")
        case "printing": return qsTr("Please take your documents from the slot below when printing is finished.")
        case "rating": return qsTr("Touch one of the ratings. Staff follow up on every bad rating.")
        case "done": return qsTr("Please take your receipt and your ID card. Touch Finish when you are done.")
        }
        return ""
    }

    // The whole text for `screen`: title, service, current message, instructions (language:
    // the UI language, for the sentence stop).
    function script(screen, serviceTitle, message, language) {
        var parts = [title(screen)]
        if (serviceTitle && screen !== "attract" && screen !== "choose_service")
            parts.push(serviceTitle)
        if (message)
            parts.push(message)
        parts.push(instructions(screen))
        // Punctuation, not words: each part ends with the sentence stop of the language.
        var stop = language === "en" ? ". " : "。"
        return parts.map(function (p) { return String(p).replace(/[。.!！…\s]+$/, "") })
                    .filter(function (p) { return p !== "" })
                    .join(stop) + stop.trim()
    }
}
