# Staff queues, search and intake (the "Staff back office" issue, parts 3, 5 and 8).

## Dashboard and queues
queues-dashboard-queues = Your queues
queues-nav-label = Queues
queues-count = { $count ->
    [one] 1 ticket
   *[other] { $count } tickets
}
# A count that stopped at its cap ($count is the cap, 1,000): counting further costs too much.
queues-count-capped = More than { $count } tickets
queues-queue-all = All tickets
queues-queue-mine = Assigned to you
queues-queue-mine-hint = Open tickets you hold
queues-queue-unassigned = Unassigned
queues-queue-unassigned-hint = Open tickets in your departments that nobody holds
queues-queue-waiting = Waiting on the citizen
queues-queue-waiting-hint = We asked the citizen something; the clock is paused
queues-queue-recent = Recently updated
queues-queue-recent-hint = Changed in the last 24 hours
queues-all-link = See every ticket ({ $count } open)
queues-all-link-capped = See every ticket (more than { $count } open)
queues-all-title = All tickets
queues-search-title = Search results
queues-see-all = See the whole queue
queues-empty-mine = No open tickets are assigned to you.
queues-empty-unassigned = Every open ticket in your departments has someone on it.
queues-empty = No tickets match. Try fewer filters or other words.
queues-no-tickets-for-role = Your role reads reports and settings; it does not work tickets, so there are no queues here.
queues-forbidden = Your role does not work tickets, so it has no queues or intake.
queues-back-to-dashboard = Back to your work

## Search
queues-search-label = Search tickets
queues-search-hint = A reference (CD-2026-004217), words from the subject or description, or the citizen's name, email or phone. Press / to jump here.
queues-search-button = Search

## The list
queues-col-reference = Reference
queues-col-subject = Subject
queues-col-status = Status
queues-col-priority = Priority
queues-col-category = Service
queues-col-department = Department
queues-col-assignee = Assigned to
queues-col-updated = Updated
queues-col-marker = Citizen
queues-assignee-you = You
queues-assignee-nobody = Nobody
queues-marker-replied = Citizen replied
queues-marker-since = since
queues-results = { $count ->
    [one] 1 ticket
   *[other] { $count } tickets
}
queues-results-capped = More than { $count } tickets
queues-results-search-capped = More than { $count } tickets found, best match first
queues-results-search = { $count ->
    [one] 1 ticket found, best match first
   *[other] { $count } tickets found, best match first
}
queues-pages-label = Pages of results
queues-first-page = First page
queues-next-page = Next page

## Filters
queues-filters-title = Filter
queues-any = Any
queues-apply = Apply filters
queues-clear = Clear filters
queues-field-queue = Queue
queues-field-status = Status
queues-field-kind = Kind of request
queues-field-category = Service
queues-field-priority = Priority
queues-field-channel = Came in by
queues-field-assignee = Assigned to
queues-field-department = Department
queues-field-created-from = Created on or after
queues-field-created-to = Created on or before
queues-field-q = Search
queues-field-sort = Order
queues-field-cursor = Page
queues-assignee-me = Me
queues-assignee-none = Nobody
queues-sort-default = Best match when searching, else latest update
queues-sort-updated = Most recently updated
queues-sort-created = Newest first
queues-sort-relevance = Best match
queues-status-new = New
queues-status-triaged = Triaged
queues-status-assigned = Assigned
queues-status-in-progress = In progress
queues-status-waiting-on-citizen = Waiting on citizen
queues-status-resolved = Resolved
queues-status-closed = Closed
queues-status-reopened = Reopened
queues-priority-low = Low
queues-priority-normal = Normal
queues-priority-high = High
queues-priority-urgent = Urgent
queues-channel-web = Website
queues-channel-email = Email
queues-channel-phone = Phone
queues-channel-counter = Counter (in person)
queues-channel-api = API
queues-channel-staff = Staff

## Filter problems
queues-error-title = This filter cannot be used
queues-error-unknown = “{ $name }” is not something tickets can be filtered by. Use the form below.
queues-error-invalid = { $field } cannot be “{ $value }”. Choose a value from the form below.
queues-error-repeated = Choose { $field } only once.
queues-error-too-long = { $field } can be at most { $max } characters long.
queues-error-dates = “Created on or after” is later than “Created on or before”. Swap the dates.
queues-error-cursor = That page link no longer works. Start again from the first page.

## Intake
intake-start = Take a request for a citizen
intake-title = Take a request
intake-done-title = Request created
intake-done-reference = Give the citizen this reference:
intake-done-emailed = A confirmation with a private link to follow the request is on its way to their email.
intake-done-no-email = They have no email address with us, so no confirmation was sent. Read the reference to them.
intake-done-open = Open the ticket
intake-step-citizen = 1. Who is it for?
intake-lookup-label = Find the citizen
intake-lookup-hint = Their name, email address or phone number. Check before adding someone new, so one person keeps one record.
intake-lookup-button = Find
intake-matches = { $count ->
    [one] 1 citizen found
   *[other] { $count } citizens found
}
intake-no-matches = Nobody matches. Enter their details with the request below.
intake-new-citizen-hint = Not found? Enter a new citizen's details with the request.
intake-choose = Choose
intake-choose-someone-else = Choose someone else
intake-contact-name = Name
intake-contact-email = Email address
intake-contact-phone = Phone number
intake-contact-requests = Requests so far
intake-none-given = none given
intake-step-service = 2. Which service?
intake-category-label = Service
intake-category-choose = Choose a service
intake-category-button = Use this service
intake-step-request = 3. The request: { $service }
intake-channel-legend = How did it reach you?
intake-kind-legend = What does the citizen want to do?
intake-location-legend = Where is it?
intake-citizen-legend = The citizen
intake-citizen-chosen = For { $name }.
intake-citizen-hint = A name, and an email address or a phone number so we can tell them what happens. Someone already known by this email keeps their record.
intake-locale = Language for our replies
intake-privacy-told = I have told the citizen how we use their information
intake-submit = Create the request
intake-error-channel = Choose phone, counter or email.
intake-error-contact = That citizen record no longer exists; find them again.
intake-error-contact-both = Give a contact_id or the citizen's details, not both.
intake-error-name-required = Enter the citizen's name.
intake-error-contact-required = Give the citizen's email address or phone number.
intake-error-consent-required = Confirm you have told the citizen how we use their information.
queues-queue-due_soon = Due soon
queues-queue-due_soon-hint = An SLA target falls due within the next hours
queues-queue-overdue = Overdue
queues-queue-overdue-hint = An SLA target has passed
queues-sort-due = Most urgent first (earliest due)
