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

# Home
home-report-link = Make a request or report a problem
home-track-link = Check on a request you made

# Kinds of request
kind-service-request = Ask for a service or report a problem
kind-service-request-hint = For example a pothole, a missed bin or a broken street light.
kind-complaint = Make a complaint
kind-complaint-hint = Tell us where we got something wrong.
kind-inquiry = Ask a question
kind-inquiry-hint = We will answer by email or phone.
kind-information-request = Request information
kind-information-request-hint = A formal request for records the council holds.
kind-suggestion = Make a suggestion
kind-suggestion-hint = An idea to improve our services.
kind-compliment = Pay a compliment
kind-compliment-hint = Tell us about a job well done.

# Choosing a service
report-choose-title = What do you want to do?
report-kind-legend = Kind of request
report-kind-any = Show all services
report-search-label = Search for a service
report-search-hint = For example "bin", "pothole" or "noise".
report-search-button = Show services
report-result-count = { $count ->
    [one] 1 service
   *[other] { $count } services
}
report-no-results = No service matches.
report-show-all = Show all services

# The form
report-form-title = Make a request
form-back = Back to all services
form-error-summary = There is a problem
form-files-dropped = For your security we did not keep the files you chose. Please choose them again.
form-honeypot = Leave this field empty
form-kind-legend = What do you want to do?
form-subject = Summary
form-subject-hint = A few words, for example "Pothole outside 12 High Street".
form-description = Details
form-description-hint = What happened, when, and anything that helps us deal with it.
form-optional = (optional)
form-location-legend = Where is it?
form-location-hint = An address or landmark, or the map coordinates.
form-address = Address or description of the place
form-latitude = Latitude
form-longitude = Longitude
form-use-my-location = Use my current location
form-attachments = Photos or documents
form-attachments-hint = Up to { $count } files: photos (JPEG, PNG, GIF, WebP, HEIC) or PDF, each up to { $size } MB.
form-contact-legend = Your details
form-contact-hint = We need an email address or a phone number to tell you what happens. We never publish them.
form-name = Full name
form-email = Email address
form-phone = Phone number
form-locale = Language for our replies
privacy-title = How we use your information
privacy-notice = We use what you tell us only to deal with this request and to improve our services. Council staff who handle it can see your details; we do not publish them or share them outside the council unless the law requires it. We keep requests for six years after they close, then delete them. You can ask to see or erase your information at any time.
privacy-consent = I have read how my information is used
form-submit = Send request

# Confirmation
received-title = Request received
received-reference-label = Your reference number is
received-next-title = What happens next
received-next-body = { $department } will look at your request. We will contact you if we need more information, and tell you when it is dealt with.
received-email-sent = We have sent you an email with these details.
received-no-email = You did not give an email address, so keep this reference and link safe.
received-track-title = Follow your request
received-track-body = Use this private link to see progress, answer our questions or add information:
received-keep-private = Anyone with this link can see your request. Do not share it.

# Finding a request
lookup-title = Check on a request
lookup-intro = Enter the reference number from your confirmation and the email address you gave us.
lookup-not-found-title = We could not find that request
lookup-not-found = Check the reference number and email address. If you gave us only a phone number, use the link from your confirmation or call us.
lookup-reference = Reference number
lookup-reference-hint = For example CD-2026-004217.
lookup-submit = Find my request

# A request
request-title = Your request
request-reference = Reference
request-status = Status
request-service = Service
request-department = Handled by
request-submitted = Submitted
request-coordinates = Map coordinates
request-description = What you told us
request-attachments = Files
request-timeline = What has happened
request-reply-title = Reply to our question
request-add-info-title = Add information
request-message = Your message
request-send = Send
request-withdraw-title = Withdraw this request
request-withdraw-reason = Why are you withdrawing it?
request-withdraw-confirm = Yes, I no longer need this request
request-withdraw-button = Withdraw request
request-comment-added = Thank you. We have added your message to your request.
request-withdrawn = Your request has been withdrawn.
request-continues-title = Joined with { $reference }
request-continues-intro = Your request was about the same thing as request { $reference }, so we joined them and are dealing with it there. You can follow its progress here; its other details stay private.
request-continues-status = Status of { $reference }
request-continues-updated = Last updated
request-continues-changes = Its progress
request-continues-changed = Now: { $status }
event-submitted = Request received
event-citizen-comment = You added information
event-withdrawn = You withdrew the request
event-status-changed = Status changed
event-public-reply = Reply from the council
actor-citizen = you
actor-staff = the council
actor-system = automatic

error-csrf = Your session has expired or the form was sent from another site. Go back, reload the page and try again.
error-honeypot = We could not accept this form.
error-rate-limited = You have sent a lot of requests in a short time. Please wait a while and try again.
error-withdraw-confirm = Tick the box to confirm you want to withdraw the request.
error-file-problem = A file could not be accepted

# Staff
staff-sign-in-title = Staff sign in
staff-password = Password
staff-sign-in-button = Sign in
staff-sign-in-invalid = The email or password is not right.
staff-sign-in-locked = Too many failed attempts. The account is locked for a few minutes; try again later or ask an administrator.
staff-home-title = Your work
staff-signed-in-as = Signed in as { $name }
staff-your-departments = Your departments
staff-sign-out = Sign out
staff-sign-out-everywhere = Sign out on every device
role-agent = Agent
role-supervisor = Supervisor
role-leader = Leader
role-admin = Administrator
received-already = You had already sent us this request, so we have not made a second one. It is the request above; we emailed you its private link when you first sent it.
received-already-track = Find a request by its reference and your email address
