# Reports and dashboards, the public statistics and the weekly digest (issue 6).

## Units and words
reports-minutes = { $n } min
reports-hours = { $n } h
reports-days = { $n } days
reports-too-few = too few to say
reports-share = { $percent } ({ $count } of { $of })
reports-no-change = no change
reports-unknown = unknown
reports-unassigned = unassigned
reports-no-data-yet = no data yet
reports-kind-service-request = Service request
reports-kind-complaint = Complaint
reports-kind-inquiry = Inquiry
reports-kind-information-request = Information request
reports-kind-suggestion = Suggestion
reports-kind-compliment = Compliment

## Figures
reports-received = Received
reports-resolved = Resolved
reports-backlog = Backlog (open at the end)
reports-backlog-end = Backlog at the end
reports-age-0-2 = Backlog aged 0–2 days
reports-age-3-7 = Backlog aged 3–7 days
reports-age-8-30 = Backlog aged 8–30 days
reports-age-over-30 = Backlog aged over 30 days
reports-breaches = SLA breaches
reports-keep-in-touch-breaches = Keep-in-touch breaches
reports-extended = Resolutions with an extension
reports-fr-median-business = First response, median (working time)
reports-fr-p90-business = First response, 90th percentile (working time)
reports-fr-median-calendar = First response, median (calendar time)
reports-fr-p90-calendar = First response, 90th percentile (calendar time)
reports-res-median-business = Resolution, median (working time)
reports-res-p90-business = Resolution, 90th percentile (working time)
reports-res-median-calendar = Resolution, median (calendar time)
reports-res-p90-calendar = Resolution, 90th percentile (calendar time)
reports-fr-within = First responses within target
reports-res-within = Resolutions within target
reports-reopen-rate = Reopened
reports-transfers-per-ticket = Transfers per resolved ticket
reports-satisfaction = Citizen satisfaction

## Columns
reports-col-figure = Figure
reports-col-this-period = This period
reports-col-previous-period = Previous period
reports-col-change = Change
reports-col-from = From
reports-col-to = To
reports-col-age = Age
reports-col-tickets = Tickets
reports-col-department = Department
reports-col-category = Service
reports-col-kind = Kind
reports-col-area = Area
reports-col-staff = Staff member
reports-col-channel = Channel
reports-col-rank = Rank
reports-col-late-share = Missed target
reports-col-share-received = Share of received
reports-col-time-held = Time held
reports-col-reference = Reference
reports-col-subject = Subject
reports-col-status = Status
reports-col-created = Received on
reports-col-done = Resolved or closed on

## Sections
reports-headline-title = Headline figures
reports-headline-description = Every figure for the period, with the period before it of the same length. Medians and 90th percentiles of fewer values than the reporting minimum read "too few to say".
reports-trend-title-day = Received and resolved, by day
reports-trend-title-week = Received and resolved, by week (from Monday)
reports-trend-title-month = Received and resolved, by month
reports-trend-description = How many requests arrived (solid line, circles) and how many were resolved (dashed line, squares) in each part of the period.
reports-age-title = Age of the backlog
reports-age-description = The requests still open at the end of the period, by how many days old they were then.
reports-departments-title = Department league table
reports-departments-description = Departments ranked by the share of resolutions within their target (best first); departments with no resolution counted come last.
reports-categories-title = Services
reports-categories-description = Every figure by the service (category) of the request.
reports-kinds-title = Kinds of request
reports-kinds-description = Service requests, complaints, questions, information requests, suggestions and compliments.
reports-areas-title = Wards and areas
reports-areas-description = By the ward or area each request was placed in; "unknown" for requests without a location in one.
reports-staff-title = Staff workload and times
reports-staff-description = Each staff member's tickets (those assigned to them now): received, resolved, open, and how fast; "unassigned" for tickets nobody holds.
reports-worst-title = Services that most often missed their targets
reports-worst-description = The ten services with the highest share of first responses and resolutions (met in the period) that came after their target, with their breaches.
reports-channels-title = Channel mix
reports-channels-description = How the requests received in the period reached us.
reports-held-title = Time held by each department
reports-held-description = For the requests resolved in the period: how long each department held them in all (calendar time) and how many it held.

## Page
reports-nav = Reports
reports-home-link = Reports and dashboards
reports-title-leader = Council dashboard
reports-title-supervisor = Your departments' dashboard
reports-title-agent = Your figures
reports-scope-all = The whole council, in aggregate: no ticket lists and no citizens' details.
reports-scope-departments = Your departments: { $names }.
reports-scope-own = The tickets assigned to you.
reports-forbidden = Administrators configure the portal; reports are for agents, supervisors and leaders.
reports-period-title = Period
reports-from = From
reports-to = To (included)
reports-show = Show
reports-period-hint = Days are whole days in the council's time zone ({ $zone }); both dates are included.
reports-period-range = { $from } to { $to }
reports-compared-with = Compared with { $previous }.
reports-preset-7d = Last 7 days
reports-preset-30d = Last 30 days
reports-preset-12m = Last 12 months
reports-preset-month = This month
reports-preset-note-7d = the last 7 days, today so far included
reports-preset-note-30d = the last 30 days, today so far included
reports-preset-note-12m = the 12 whole calendar months before this one
reports-preset-note-month = this calendar month so far
reports-print = Print this dashboard
reports-chart-table-link = The same data as a table
reports-empty = Nothing to show for this period.
reports-download-csv = Download “{ $name }” as CSV
reports-drill-hint = Numbers in bold link to the tickets behind them.
reports-error-title = There is a problem with the period
reports-error-bad-date = Not a date ({ $value }): use a date such as 2026-03-01.
reports-error-half-open = Give both the first and the last day, or choose a preset.
reports-error-reversed = The first day is after the last ({ $value }).
reports-error-too-long = The period is { $value } days long; choose at most { $max }.
reports-error-bad-preset = There is no preset “{ $value }”: choose 7d, 30d, 12m or month.
reports-error-both = Choose a preset or dates, not both.
reports-error-repeated = “{ $value }” was given more than once.
reports-error-unknown = Unknown setting “{ $value }”: use from, to or preset.

## Drill-down
reports-back = Back to the dashboard
reports-drill-count = { $count ->
    [one] 1 ticket
   *[other] { $count } tickets
}
reports-drill-truncated = The first { $shown } are listed.
reports-drill-none = No tickets.
reports-drill-forbidden = Leaders read aggregates only: there are no ticket lists for this role.
reports-drill-bad = The link is not a valid list of tickets.
reports-drill-bad-figure = Choose which figure's tickets to list: received, resolved, backlog or breaches.
reports-drill-bad-by = A breakdown needs both “by” (department, category, kind, channel, staff or area) and “key”.
reports-drill-bad-key = That is not a row of this breakdown.
reports-drill-bad-format = Choose format=csv for a CSV download, or leave format out.

## Public statistics
statistics-title = Our performance in numbers
statistics-intro = Requests to the council from { $period }: how many arrived and were resolved, how long first responses and resolutions took (the median, in working time), and the share within our targets.
statistics-suppression = To protect privacy, any number based on fewer than 5 requests is shown as “fewer than 5”, and no median is given for fewer than 5.
statistics-download = Download these tables as CSV
statistics-fewer-than-5 = fewer than 5
statistics-col-month = Month
statistics-col-table = Table
statistics-col-fr-median = Median time to first response
statistics-col-res-median = Median time to resolve
statistics-col-fr-within = First responses within target
statistics-col-res-within = Resolved within target
statistics-months-title = By month
statistics-months-description = Each whole month.
statistics-departments-title = By department
statistics-departments-description = The department handling the request.
statistics-categories-title = By service
statistics-categories-description = The service the request was about.
footer-statistics = Our performance in numbers

## Your account: the weekly digest
account-digest-title = Weekly report email
account-digest-intro = Every Monday morning leaders and supervisors are emailed the previous week's headline figures and breaches.
account-digest-legend = Send me the weekly report email?
account-digest-yes = Yes, send it
account-digest-no = No, I do not want it
account-digest-save = Save
account-digest-saved = Your choice is saved.
account-digest-invalid = Choose yes or no.

## The weekly digest email
email-digest-subject = Weekly report { $week }: { $council }
email-digest-intro = Your figures for the week { $week }, { $from } to { $to }. { $scope }
email-digest-figure = Figure
email-digest-this-week = This week
email-digest-previous = week before
email-digest-breaches = { $count ->
    [one] 1 SLA breach this week.
   *[other] { $count } SLA breaches this week.
}
email-digest-breached-tickets = Tickets with a breach:
email-digest-more = More are listed on the dashboard.
email-digest-open = Open the dashboard
email-digest-why = You get this as a leader or supervisor. To stop it, change the setting on your account page:
email-digest-scope-all = The whole council.
email-digest-scope-departments = Your departments: { $names }.
email-digest-scope-own = Your tickets.
