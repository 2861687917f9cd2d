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

# Citizen statuses
status-received = Received
status-in-progress = In progress
status-waiting = Waiting for your reply
status-resolved = Resolved
status-closed = Closed

# Form errors
error-kind-required = Choose what you want to do.
error-kind-not-offered = This service does not take that kind of request; choose another.
error-category-unknown = There is no such service, or it is no longer offered online.
error-subject-required = Enter a short summary.
error-subject-too-long = The summary must be 200 characters or fewer.
error-description-required = Tell us what happened or what you need.
error-description-too-long = The description must be 10,000 characters or fewer.
error-name-required = Enter your name.
error-name-too-long = Your name must be 200 characters or fewer.
error-email-invalid = Enter an email address like name@example.com.
error-phone-invalid = Enter a phone number using digits, like 01632 960 001 or +44 1632 960 001.
error-contact-required = Give us an email address or a phone number so we can reply.
error-address-too-long = The address must be 500 characters or fewer.
error-latitude-invalid = Latitude must be a number between -90 and 90.
error-longitude-invalid = Longitude must be a number between -180 and 180.
error-coordinates-pair = Give both latitude and longitude, or neither.
error-location-required = Tell us where: an address or a place on the map.
error-locale-invalid = Choose a language we offer.
error-consent-required = Confirm you have read how we use your information.
error-extra-required = Answer this question.
error-extra-too-long = This answer is too long.
error-extra-number = Enter a number.
error-extra-date = Enter a date like 2026-11-22.
error-extra-choice = Choose one of the options.
error-comment-required = Write your message or attach a file.
error-comment-too-long = Your message must be 10,000 characters or fewer.
error-request-closed = This request is closed. If you still need help, make a new request.
