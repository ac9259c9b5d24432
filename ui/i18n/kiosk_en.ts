<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="en">
<context>
    <name>AttractPage</name>
    <message>
        <source>Welcome</source>
        <translation>Welcome</translation>
    </message>
    <message>
        <source>Apply for government services here at any hour, without queuing</source>
        <translation>Apply for government services here at any hour, without queuing</translation>
    </message>
    <message>
        <source>Choose a service</source>
        <translation>Choose a service</translation>
    </message>
    <message>
        <source>Place your ID card</source>
        <translation>Place your ID card</translation>
    </message>
    <message>
        <source>Face check</source>
        <translation>Face check</translation>
    </message>
    <message>
        <source>Fill in and submit</source>
        <translation>Fill in and submit</translation>
    </message>
    <message>
        <source>Touch to start</source>
        <translation>Touch to start</translation>
    </message>
    <message>
        <source>Out of service</source>
        <translation>Out of service</translation>
    </message>
    <message>
        <source>Wheelchair: lower layout</source>
        <translation>Wheelchair: lower layout</translation>
    </message>
    <message>
        <source>Terminal %1</source>
        <translation>Terminal %1</translation>
    </message>
</context>
<context>
    <name>ChooseServicePage</name>
    <message>
        <source>Choose a service</source>
        <translation>Choose a service</translation>
    </message>
    <message>
        <source>Find it by department, by life event or by searching</source>
        <translation>Find it by department, by life event or by searching</translation>
    </message>
    <message>
        <source>Departments</source>
        <translation>Departments</translation>
    </message>
    <message>
        <source>Life events</source>
        <translation>Life events</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Search</translation>
    </message>
    <message>
        <source>‹ All life events</source>
        <translation>‹ All life events</translation>
    </message>
    <message>
        <source>Service name, pinyin or initials, e.g. yyzz</source>
        <translation>Service name, pinyin or initials, e.g. yyzz</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Clear</translation>
    </message>
    <message>
        <source>Type a service name in Chinese, in pinyin or by its initials: yyzz finds 营业执照, gjj finds 公积金.</source>
        <translation>Type a service name in Chinese, in pinyin or by its initials: yyzz finds 营业执照, gjj finds 公积金.</translation>
    </message>
    <message>
        <source>No service matches “%1”. Try fewer words or the initials, or browse by department.</source>
        <translation>No service matches “%1”. Try fewer words or the initials, or browse by department.</translation>
    </message>
    <message>
        <source>%1 services</source>
        <translation>%1 services</translation>
    </message>
    <message>
        <source>All</source>
        <translation>All</translation>
    </message>
</context>
<context>
    <name>DonePage</name>
    <message>
        <source>Your 12345 work order has been registered</source>
        <translation>Your 12345 work order has been registered</translation>
    </message>
    <message>
        <source>Your application has been submitted</source>
        <translation>Your application has been submitted</translation>
    </message>
    <message>
        <source>Receipt number</source>
        <translation>Receipt number</translation>
    </message>
    <message>
        <source>Work order number</source>
        <translation>Work order number</translation>
    </message>
    <message>
        <source>Handled within %1 working days, by %2</source>
        <translation>Handled within %1 working days, by %2</translation>
    </message>
    <message>
        <source>Expected to be completed by %1</source>
        <translation>Expected to be completed by %1</translation>
    </message>
    <message>
        <source>Handled together: %1</source>
        <translation>Handled together: %1</translation>
    </message>
    <message>
        <source>, </source>
        <translation>, </translation>
    </message>
    <message>
        <source>Scan to track your work order at any time</source>
        <translation>Scan to track your work order at any time</translation>
    </message>
    <message>
        <source>The result will be sent to you free of charge by courier.</source>
        <translation>The result will be sent to you free of charge by courier.</translation>
    </message>
    <message>
        <source>Please take your receipt from the slot below.</source>
        <translation>Please take your receipt from the slot below.</translation>
    </message>
    <message>
        <source>Remember to take your ID card with you.</source>
        <translation>Remember to take your ID card with you.</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>Finish</translation>
    </message>
</context>
<context>
    <name>FillFormPage</name>
    <message>
        <source>11-digit mobile number</source>
        <translation>11-digit mobile number</translation>
    </message>
    <message>
        <source>18 characters</source>
        <translation>18 characters</translation>
    </message>
    <message>
        <source>6 digits</source>
        <translation>6 digits</translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>YYYY-MM-DD</translation>
    </message>
    <message>
        <source>As on the ID card</source>
        <translation>As on the ID card</translation>
    </message>
    <message>
        <source>Amount, e.g. 50</source>
        <translation>Amount, e.g. 50</translation>
    </message>
    <message>
        <source>Province</source>
        <translation>Province</translation>
    </message>
    <message>
        <source>City</source>
        <translation>City</translation>
    </message>
    <message>
        <source>District / county</source>
        <translation>District / county</translation>
    </message>
    <message>
        <source>Please fill in the form. Fields marked * are required.</source>
        <translation>Please fill in the form. Fields marked * are required.</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>Next: check and submit</source>
        <translation>Next: check and submit</translation>
    </message>
    <message>
        <source>Choose: %1</source>
        <translation>Choose: %1</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>No. %1</source>
        <translation>No. %1</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>From your ID card</source>
        <translation>From your ID card</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Try again</translation>
    </message>
    <message>
        <source>+ Add a row</source>
        <translation>+ Add a row</translation>
    </message>
</context>
<context>
    <name>Guidance</name>
    <message>
        <source>Welcome to the 24-hour self-service terminal</source>
        <translation>Welcome to the 24-hour self-service terminal</translation>
    </message>
    <message>
        <source>Choose a service</source>
        <translation>Choose a service</translation>
    </message>
    <message>
        <source>Identity check</source>
        <translation>Identity check</translation>
    </message>
    <message>
        <source>Face check</source>
        <translation>Face check</translation>
    </message>
    <message>
        <source>Fill in the form</source>
        <translation>Fill in the form</translation>
    </message>
    <message>
        <source>Check your application</source>
        <translation>Check your application</translation>
    </message>
    <message>
        <source>Submitting your application</source>
        <translation>Submitting your application</translation>
    </message>
    <message>
        <source>Printing</source>
        <translation>Printing</translation>
    </message>
    <message>
        <source>Rate this service</source>
        <translation>Rate this service</translation>
    </message>
    <message>
        <source>Your application has been submitted</source>
        <translation>Your application has been submitted</translation>
    </message>
    <message>
        <source>Touch the start button in the middle of the screen to begin. Large text, high contrast and the lower layout for wheelchair users are at the top of the screen.</source>
        <translation>Touch the start button in the middle of the screen to begin. Large text, high contrast and the lower layout for wheelchair users are at the top of the screen.</translation>
    </message>
    <message>
        <source>Choose a department, then touch the service you need. Touch Home at the top right to leave.</source>
        <translation>Choose a department, then touch the service you need. Touch Home at the top right to leave.</translation>
    </message>
    <message>
        <source>Place your resident ID card on the card reader below the screen and keep it there until it has been read.</source>
        <translation>Place your resident ID card on the card reader below the screen and keep it there until it has been read.</translation>
    </message>
    <message>
        <source>Look straight at the camera above the screen and keep still.</source>
        <translation>Look straight at the camera above the screen and keep still.</translation>
    </message>
    <message>
        <source>Touch each field and type with the keyboard on the screen. Fields read from your ID card are already filled in. Touch Next when you are done.</source>
        <translation>Touch each field and type with the keyboard on the screen. Fields read from your ID card are already filled in. Touch Next when you are done.</translation>
    </message>
    <message>
        <source>Check what you entered and choose how to receive the result. Touch Submit to send the application, or Back to change it.</source>
        <translation>Check what you entered and choose how to receive the result. Touch Submit to send the application, or Back to change it.</translation>
    </message>
    <message>
        <source>Please wait, this takes a few seconds.</source>
        <translation>Please wait, this takes a few seconds.</translation>
    </message>
    <message>
        <source>Please take your documents from the slot below when printing is finished.</source>
        <translation>Please take your documents from the slot below when printing is finished.</translation>
    </message>
    <message>
        <source>Touch one of the ratings. Staff follow up on every bad rating.</source>
        <translation>Touch one of the ratings. Staff follow up on every bad rating.</translation>
    </message>
    <message>
        <source>Please take your receipt and your ID card. Touch Finish when you are done.</source>
        <translation>Please take your receipt and your ID card. Touch Finish when you are done.</translation>
    </message>
</context>
<context>
    <name>IdentifyPage</name>
    <message>
        <source>Identity check</source>
        <translation>Identity check</translation>
    </message>
    <message>
        <source>Card reader</source>
        <translation>Card reader</translation>
    </message>
    <message>
        <source>Document number entered: %1</source>
        <translation>Document number entered: %1</translation>
    </message>
    <message>
        <source>Your card data is used only for this application and is stored encrypted.</source>
        <translation>Your card data is used only for this application and is stored encrypted.</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>Passport or HK/Macao permit</source>
        <translation>Passport or HK/Macao permit</translation>
    </message>
    <message>
        <source>Use my ID card instead</source>
        <translation>Use my ID card instead</translation>
    </message>
    <message>
        <source>Enter the details again</source>
        <translation>Enter the details again</translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <source>Government self-service terminal</source>
        <translation>Government self-service terminal</translation>
    </message>
    <message>
        <source>Lower layout for wheelchair users: everything you need is within reach below.</source>
        <translation>Lower layout for wheelchair users: everything you need is within reach below.</translation>
    </message>
    <message>
        <source>24-hour self-service</source>
        <translation>24-hour self-service</translation>
    </message>
    <message>
        <source>Home</source>
        <translation>Home</translation>
    </message>
    <message>
        <source>Large text</source>
        <translation>Large text</translation>
    </message>
    <message>
        <source>High contrast</source>
        <translation>High contrast</translation>
    </message>
    <message>
        <source>Wheelchair</source>
        <translation>Wheelchair</translation>
    </message>
    <message>
        <source>Stop reading</source>
        <translation>Stop reading</translation>
    </message>
    <message>
        <source>Read aloud</source>
        <translation>Read aloud</translation>
    </message>
    <message>
        <source>Quieter</source>
        <translation>Quieter</translation>
    </message>
    <message>
        <source>Volume %1</source>
        <translation>Volume %1</translation>
    </message>
    <message>
        <source>Louder</source>
        <translation>Louder</translation>
    </message>
    <message>
        <source>For your privacy, the session will end in %1 seconds and your data will be cleared.</source>
        <translation>For your privacy, the session will end in %1 seconds and your data will be cleared.</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>Continue</translation>
    </message>
</context>
<context>
    <name>MrzPanel</name>
    <message>
        <source>Document number</source>
        <translation>Document number</translation>
    </message>
    <message>
        <source>Letters and digits, up to 9</source>
        <translation>Letters and digits, up to 9</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>Date of birth</translation>
    </message>
    <message>
        <source>YYMMDD</source>
        <translation>YYMMDD</translation>
    </message>
    <message>
        <source>Expiry date</source>
        <translation>Expiry date</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>Confirm</source>
        <translation>Confirm</translation>
    </message>
</context>
<context>
    <name>PrintingPage</name>
    <message>
        <source>Printing…</source>
        <translation>Printing…</translation>
    </message>
    <message>
        <source>Printing: %1</source>
        <translation>Printing: %1</translation>
    </message>
    <message>
        <source>, </source>
        <translation>, </translation>
    </message>
    <message>
        <source>Please take your documents from the slot below when printing is finished.</source>
        <translation>Please take your documents from the slot below when printing is finished.</translation>
    </message>
</context>
<context>
    <name>RatingPage</name>
    <message>
        <source>Very dissatisfied</source>
        <translation>Very dissatisfied</translation>
    </message>
    <message>
        <source>Dissatisfied</source>
        <translation>Dissatisfied</translation>
    </message>
    <message>
        <source>Neutral</source>
        <translation>Neutral</translation>
    </message>
    <message>
        <source>Satisfied</source>
        <translation>Satisfied</translation>
    </message>
    <message>
        <source>Very satisfied</source>
        <translation>Very satisfied</translation>
    </message>
    <message>
        <source>How satisfied are you with this service?</source>
        <translation>How satisfied are you with this service?</translation>
    </message>
    <message>
        <source>Your rating helps us improve. Staff follow up on every bad rating.</source>
        <translation>Your rating helps us improve. Staff follow up on every bad rating.</translation>
    </message>
    <message>
        <source>We are sorry. What went wrong?</source>
        <translation>We are sorry. What went wrong?</translation>
    </message>
    <message>
        <source>Choose one or more reasons. A staff member will follow up within %1 working days.</source>
        <translation>Choose one or more reasons. A staff member will follow up within %1 working days.</translation>
    </message>
    <message>
        <source>Anything else? (optional, up to %1 characters)</source>
        <translation>Anything else? (optional, up to %1 characters)</translation>
    </message>
    <message>
        <source>Submit rating</source>
        <translation>Submit rating</translation>
    </message>
</context>
<context>
    <name>ReviewPage</name>
    <message>
        <source>Check your application</source>
        <translation>Check your application</translation>
    </message>
    <message>
        <source>How do you want to receive the result?</source>
        <translation>How do you want to receive the result?</translation>
    </message>
    <message>
        <source>Free courier to</source>
        <translation>Free courier to</translation>
    </message>
    <message>
        <source>This terminal will print: %1</source>
        <translation>This terminal will print: %1</translation>
    </message>
    <message>
        <source>, </source>
        <translation>, </translation>
    </message>
    <message>
        <source>Change</source>
        <translation>Change</translation>
    </message>
    <message>
        <source>Submit application</source>
        <translation>Submit application</translation>
    </message>
</context>
<context>
    <name>SubmittingPage</name>
    <message>
        <source>Submitting your application…</source>
        <translation>Submitting your application…</translation>
    </message>
    <message>
        <source>Please wait, this takes a few seconds.</source>
        <translation>Please wait, this takes a few seconds.</translation>
    </message>
</context>
<context>
    <name>Texts</name>
    <message>
        <source>Please place your resident ID card on the card reader below</source>
        <translation>Please place your resident ID card on the card reader below</translation>
    </message>
    <message>
        <source>Reading your ID card. Please do not move it…</source>
        <translation>Reading your ID card. Please do not move it…</translation>
    </message>
    <message>
        <source>The card could not be read. Please place it on the reader again.</source>
        <translation>The card could not be read. Please place it on the reader again.</translation>
    </message>
    <message>
        <source>This card could not be verified. Please use a valid resident ID card.</source>
        <translation>This card could not be verified. Please use a valid resident ID card.</translation>
    </message>
    <message>
        <source>This type of card is not accepted here. Please go to a service desk.</source>
        <translation>This type of card is not accepted here. Please go to a service desk.</translation>
    </message>
    <message>
        <source>The ID card reader is out of service. Please go to a service desk.</source>
        <translation>The ID card reader is out of service. Please go to a service desk.</translation>
    </message>
    <message>
        <source>The document could not be opened. Please check the document number and dates you entered.</source>
        <translation>The document could not be opened. Please check the document number and dates you entered.</translation>
    </message>
    <message>
        <source>This is a travel document. Please enter the details from its photo page first.</source>
        <translation>This is a travel document. Please enter the details from its photo page first.</translation>
    </message>
    <message>
        <source>Enter the document number, date of birth and expiry date exactly as printed on your passport or permit</source>
        <translation>Enter the document number, date of birth and expiry date exactly as printed on your passport or permit</translation>
    </message>
    <message>
        <source>Please place your passport or permit, photo page down, on the card reader below</source>
        <translation>Please place your passport or permit, photo page down, on the card reader below</translation>
    </message>
    <message>
        <source>Please look straight at the camera and keep still</source>
        <translation>Please look straight at the camera and keep still</translation>
    </message>
    <message>
        <source>Your face was not recognised. Please look straight at the camera and try again.</source>
        <translation>Your face was not recognised. Please look straight at the camera and try again.</translation>
    </message>
    <message>
        <source>Face verification failed. Please go to a service desk for help.</source>
        <translation>Face verification failed. Please go to a service desk for help.</translation>
    </message>
    <message>
        <source>Please correct the fields marked in red</source>
        <translation>Please correct the fields marked in red</translation>
    </message>
    <message>
        <source>Your application was received, but the receipt could not be printed. Please show the receipt number below at a service desk.</source>
        <translation>Your application was received, but the receipt could not be printed. Please show the receipt number below at a service desk.</translation>
    </message>
    <message>
        <source>Your session ended because there was no activity. Your data has been cleared.</source>
        <translation>Your session ended because there was no activity. Your data has been cleared.</translation>
    </message>
    <message>
        <source>Your session is about to end</source>
        <translation>Your session is about to end</translation>
    </message>
    <message>
        <source>Your application could not be saved. Please try again or go to a service desk.</source>
        <translation>Your application could not be saved. Please try again or go to a service desk.</translation>
    </message>
    <message>
        <source>This terminal cannot accept applications right now. Please use another terminal.</source>
        <translation>This terminal cannot accept applications right now. Please use another terminal.</translation>
    </message>
    <message>
        <source>This terminal is temporarily out of service</source>
        <translation>This terminal is temporarily out of service</translation>
    </message>
    <message>
        <source>This service is not available</source>
        <translation>This service is not available</translation>
    </message>
    <message>
        <source>ID card reader out of service</source>
        <translation>ID card reader out of service</translation>
    </message>
    <message>
        <source>Camera out of service</source>
        <translation>Camera out of service</translation>
    </message>
    <message>
        <source>Receipt printer out of service</source>
        <translation>Receipt printer out of service</translation>
    </message>
    <message>
        <source>Document printer out of service</source>
        <translation>Document printer out of service</translation>
    </message>
    <message>
        <source>Needs the network, which is down</source>
        <translation>Needs the network, which is down</translation>
    </message>
    <message>
        <source>Outside opening hours</source>
        <translation>Outside opening hours</translation>
    </message>
    <message>
        <source>This field is required</source>
        <translation>This field is required</translation>
    </message>
    <message>
        <source>Please choose one of the options</source>
        <translation>Please choose one of the options</translation>
    </message>
    <message>
        <source>Enter the name as printed on the ID card</source>
        <translation>Enter the name as printed on the ID card</translation>
    </message>
    <message>
        <source>Enter an 11-digit mobile number</source>
        <translation>Enter an 11-digit mobile number</translation>
    </message>
    <message>
        <source>Enter an 18-character ID card number</source>
        <translation>Enter an 18-character ID card number</translation>
    </message>
    <message>
        <source>The last character of the ID number does not match; please check it</source>
        <translation>The last character of the ID number does not match; please check it</translation>
    </message>
    <message>
        <source>The ID number contains an impossible date of birth</source>
        <translation>The ID number contains an impossible date of birth</translation>
    </message>
    <message>
        <source>Enter the 18-character unified social credit code</source>
        <translation>Enter the 18-character unified social credit code</translation>
    </message>
    <message>
        <source>The check character of the credit code does not match; please check it</source>
        <translation>The check character of the credit code does not match; please check it</translation>
    </message>
    <message>
        <source>Enter a 6-digit postal code</source>
        <translation>Enter a 6-digit postal code</translation>
    </message>
    <message>
        <source>Enter a number</source>
        <translation>Enter a number</translation>
    </message>
    <message>
        <source>Enter a date as YYYY-MM-DD</source>
        <translation>Enter a date as YYYY-MM-DD</translation>
    </message>
    <message>
        <source>Up to 9 letters and digits, as printed on the document</source>
        <translation>Up to 9 letters and digits, as printed on the document</translation>
    </message>
    <message>
        <source>Enter 6 digits: year, month, day (e.g. 850321)</source>
        <translation>Enter 6 digits: year, month, day (e.g. 850321)</translation>
    </message>
    <message>
        <source>Enter an amount, e.g. 50 or 12.5</source>
        <translation>Enter an amount, e.g. 50 or 12.5</translation>
    </message>
    <message>
        <source>Please complete or remove the rows marked in red</source>
        <translation>Please complete or remove the rows marked in red</translation>
    </message>
    <message>
        <source>You have chosen too many; please remove some</source>
        <translation>You have chosen too many; please remove some</translation>
    </message>
    <message>
        <source>The shareholders&apos; contributions must add up to the registered capital</source>
        <translation>The shareholders&apos; contributions must add up to the registered capital</translation>
    </message>
    <message>
        <source>Choose the province, city and district again</source>
        <translation>Choose the province, city and district again</translation>
    </message>
    <message>
        <source>Enter the street, building and room number</source>
        <translation>Enter the street, building and room number</translation>
    </message>
    <message>
        <source>For free courier delivery, please give the recipient and the address</source>
        <translation>For free courier delivery, please give the recipient and the address</translation>
    </message>
    <message>
        <source>Please choose at least one reason</source>
        <translation>Please choose at least one reason</translation>
    </message>
    <message>
        <source>Looking up your records online…</source>
        <translation>Looking up your records online…</translation>
    </message>
    <message>
        <source>No enterprise lists you as its legal representative. Please go to a service desk.</source>
        <translation>No enterprise lists you as its legal representative. Please go to a service desk.</translation>
    </message>
    <message>
        <source>No electronic certificates were found for you.</source>
        <translation>No electronic certificates were found for you.</translation>
    </message>
    <message>
        <source>The online system did not answer. Please try again later or go to a service desk.</source>
        <translation>The online system did not answer. Please try again later or go to a service desk.</translation>
    </message>
    <message>
        <source>Please check this entry</source>
        <translation>Please check this entry</translation>
    </message>
    <message>
        <source>Temporarily unavailable</source>
        <translation>Temporarily unavailable</translation>
    </message>
    <message>
        <source>Something went wrong. Please go to a service desk for help.</source>
        <translation>Something went wrong. Please go to a service desk for help.</translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation>Receipt</translation>
    </message>
    <message>
        <source>Printed document (A4)</source>
        <translation>Printed document (A4)</translation>
    </message>
    <message>
        <source>Collect at the service centre</source>
        <translation>Collect at the service centre</translation>
    </message>
    <message>
        <source>Send by post</source>
        <translation>Send by post</translation>
    </message>
    <message>
        <source>ID card + face check</source>
        <translation>ID card + face check</translation>
    </message>
    <message>
        <source>ID card</source>
        <translation>ID card</translation>
    </message>
    <message>
        <source>No ID needed</source>
        <translation>No ID needed</translation>
    </message>
</context>
<context>
    <name>VerifyFacePage</name>
    <message>
        <source>Look into the camera</source>
        <translation>Look into the camera</translation>
    </message>
    <message>
        <source>Only one person in front of the camera, please</source>
        <translation>Only one person in front of the camera, please</translation>
    </message>
    <message>
        <source>Move closer</source>
        <translation>Move closer</translation>
    </message>
    <message>
        <source>It is too dark: step into the light</source>
        <translation>It is too dark: step into the light</translation>
    </message>
    <message>
        <source>Hold still</source>
        <translation>Hold still</translation>
    </message>
    <message>
        <source>Turn your head to the left</source>
        <translation>Turn your head to the left</translation>
    </message>
    <message>
        <source>Turn your head to the right</source>
        <translation>Turn your head to the right</translation>
    </message>
    <message>
        <source>Now look straight at the camera</source>
        <translation>Now look straight at the camera</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>Checking…</translation>
    </message>
    <message>
        <source>Face check</source>
        <translation>Face check</translation>
    </message>
    <message>
        <source>Attempts left: %1</source>
        <translation>Attempts left: %1</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Back</translation>
    </message>
</context>
</TS>
