# English: the complete catalogue. Every user-facing string lives here.

skip-to-content = Skip to main content
language-switch-label = Language
footer-open-hours = You can contact us online at any time, day or night.
footer-powered-by = Powered by CivicDesk, open-source software for councils.

home-title = How can we help?
home-intro = Report a problem, ask a question, request information, make a complaint, or tell us what we did well. Choose a service below.
home-no-services = No services are available online yet. Please contact us by phone.
home-groups-heading = Service groups
home-handled-by = Handled by { $department }

error-404-title = Page not found
error-404-body = We could not find that page. If you typed the address, check it is correct.
error-500-title = Sorry, something went wrong
error-500-body = We could not complete your request. Nothing you sent has been lost; please try again in a few minutes.
error-503-title = The service is temporarily unavailable
error-503-body = We are having a short break in service. Please try again in a few minutes.
error-reference = If you contact us about this, quote this reference:
error-go-home = Go to the home page

# Emails. Every email ends with the footer saying why the reader gets it.
email-greeting = Dear { $name },
email-footer-why = You are receiving this email because a request was made to { $council } with this email address.
email-footer-no-reply = This mailbox is not read, so please do not reply to this email.

email-ticket-received-subject = We have received your request { $reference }
email-ticket-received-thanks = Thank you for contacting { $council }. We have received your request.
email-ticket-received-reference-label = Your reference number
email-ticket-received-reference-help = Please quote this reference if you phone or write to us about this request.
email-ticket-received-track-heading = Follow your request online
email-ticket-received-track-intro = You can see the progress of your request, and everything we send you, on its tracking page:
email-ticket-received-track-button = Track your request
email-ticket-received-track-private = Keep this link private: anyone who has it can see your request.
email-ticket-received-summary-heading = Your request
email-ticket-received-subject-label = Subject
email-ticket-received-category-label = Type of request
email-ticket-received-department-label = Handled by
email-ticket-received-next-heading = What happens next
email-ticket-received-next-review = We will review your request and pass it to { $department }.
email-ticket-received-next-respond-by = We aim to respond by { $date }.
email-ticket-received-reply-heading = How to reply
email-ticket-received-reply-body = To add information, send us a photo or answer a question from us, use the tracking page above rather than replying to this email.
