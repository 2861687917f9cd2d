# SLA configuration for administrators: business calendars and SLA policies.

## Navigation
staff-nav-sla-policies = SLA policies
staff-nav-calendars = Business calendars
sla-admin-forbidden = Only administrators can change SLA policies and business calendars.

## Shared
sla-admin-weekday-1 = Monday
sla-admin-weekday-2 = Tuesday
sla-admin-weekday-3 = Wednesday
sla-admin-weekday-4 = Thursday
sla-admin-weekday-5 = Friday
sla-admin-weekday-6 = Saturday
sla-admin-weekday-7 = Sunday
sla-admin-priority-low = Low
sla-admin-priority-normal = Normal
sla-admin-priority-high = High
sla-admin-priority-urgent = Urgent
sla-admin-duration-minutes = { $minutes } min
sla-admin-duration-hours = { $hours } h
sla-admin-duration-hours-minutes = { $hours } h { $minutes } min
sla-admin-remove = Remove
sla-admin-save = Save
sla-admin-optional = (optional)
sla-admin-done-created = Created.
sla-admin-done-saved = Your changes are saved.
sla-admin-done-deleted = Deleted.
sla-admin-done-interval-added = Opening interval added.
sla-admin-done-interval-removed = Opening interval removed.
sla-admin-done-holiday-added = Holiday added.
sla-admin-done-holiday-removed = Holiday removed.
sla-admin-done-override-saved = Targets for that priority saved.
sla-admin-done-override-removed = Targets for that priority removed: the policy's own apply again.
sla-admin-done-assigned = The services' policies are saved.

## Calendars: list
sla-admin-calendars-title = Business calendars
sla-admin-calendars-intro = A calendar says when a department is open. SLA targets are counted in business minutes: only the time a calendar is open counts. Every department has a calendar; a policy may name its own (for example 24x7 for emergencies).
sla-admin-calendars-new = Add a calendar
sla-admin-calendar-name = Name
sla-admin-calendar-zone = Time zone
sla-admin-calendar-kind = Hours
sla-admin-calendar-always-open = Open 24 hours a day, 7 days a week
sla-admin-calendar-weekly = { $intervals ->
    [one] 1 opening interval
   *[other] { $intervals } opening intervals
  }, { $holidays ->
    [one] 1 holiday
   *[other] { $holidays } holidays
  }
sla-admin-calendar-used-by = Used by
sla-admin-calendar-unused = Nothing
sla-admin-calendar-back = Back to business calendars

## Calendars: new and details
sla-admin-calendar-new-title = Add a business calendar
sla-admin-calendar-name-hint = For example "Council offices (Mon–Fri 08:30–17:00)".
sla-admin-calendar-zone-hint = An IANA time zone such as Europe/London or America/New_York. Opening hours and holidays are in this zone's local time, and daylight saving time is followed.
sla-admin-calendar-always-open-label = Always open (24x7): every minute counts, there are no holidays
sla-admin-calendar-always-open-hint = Making a calendar 24x7 removes its opening hours and holidays.
sla-admin-calendar-hours = Opening hours
sla-admin-calendar-hours-hint = Times as HH:MM, 24-hour. Leave a day empty when it is closed. An end at or before the start ends on the next day (22:00 to 06:00 is a night shift); 00:00 to 00:00 is the whole day. Add more intervals for a day (a split shift) on the calendar's page.
sla-admin-calendar-hours-switch-hint = To make this calendar weekly, give its opening hours.
sla-admin-calendar-opens = Opens
sla-admin-calendar-closes = Closes
sla-admin-calendar-create = Add calendar
sla-admin-calendar-details = Name, zone and hours
sla-admin-calendar-save = Save

## Calendars: the calendar's page
sla-admin-calendar-zone-shown = Times on this page are in { $zone }.
sla-admin-calendar-summary-kind = Kind
sla-admin-calendar-summary-24x7 = 24x7
sla-admin-calendar-summary-weekly = Weekly hours with holidays
sla-admin-calendar-used-departments = Departments
sla-admin-calendar-used-policies = SLA policies
sla-admin-calendar-used-tickets = Tickets timed on it
sla-admin-calendar-changes-apply = Changes to hours and holidays apply at once: the due times of requests whose SLA clocks run on this calendar are worked out again.
sla-admin-intervals-title = Opening intervals
sla-admin-intervals-none = None: this calendar is open around the clock.
sla-admin-interval-day = Day
sla-admin-interval-from = From
sla-admin-interval-to = To
sla-admin-interval-next-day = { $end } the next day
sla-admin-interval-whole-day = The whole day
sla-admin-interval-add-title = Add an opening interval
sla-admin-interval-add-hint = Several intervals a day are allowed (a split shift: 08:00 to 12:00 and 13:00 to 17:00). An end at or before the start ends on the next day.
sla-admin-interval-add = Add interval
sla-admin-holidays-title = Holidays
sla-admin-holidays-none = No holidays.
sla-admin-holiday-name = Name
sla-admin-holiday-date = Date
sla-admin-holiday-date-hint = YYYY-MM-DD, for example 2026-12-25. For a holiday every year, the year does not matter (or give MM-DD).
sla-admin-holiday-every-year = Every year on this day
sla-admin-holiday-once = Once
sla-admin-holiday-closed = Closed
sla-admin-holiday-whole-day = All day
sla-admin-holiday-part-day = { $from } to { $to }
sla-admin-holiday-closed-from = Closed from
sla-admin-holiday-closed-to = Closed until
sla-admin-holiday-part-hint = Leave both times empty to close all day. For part of the day, give both, for example 13:00 to 24:00 for an afternoon off.
sla-admin-holiday-add-title = Add a holiday
sla-admin-holiday-add = Add holiday
sla-admin-preview-title = Check this calendar
sla-admin-preview-intro = What this calendar makes of a deadline.
sla-admin-preview-due = If a request arrived { $arrived } with a target of { $hours } business hours, it would be due { $due }.
sla-admin-preview-never = If a request arrived { $arrived } with a target of { $hours } business hours, it would not be due within twenty years: the calendar is closed for too long.
sla-admin-preview-open-now = The calendar is open at that moment.
sla-admin-preview-closed-now = The calendar is closed at that moment.
sla-admin-preview-periods = The next opening periods
sla-admin-preview-period = { $start } to { $end } ({ $length })
sla-admin-preview-no-periods = No opening periods in the next 400 days.
sla-admin-preview-always = It is open around the clock.
sla-admin-preview-at = Arriving at (local time in { $zone })
sla-admin-preview-at-hint = Leave empty for now.
sla-admin-preview-hours = Target in business hours
sla-admin-preview-button = Check
sla-admin-calendar-delete-title = Delete this calendar
sla-admin-calendar-delete-intro = A calendar can be deleted only when no department, policy or ticket uses it.
sla-admin-calendar-delete = Delete calendar

## Policies: list
sla-admin-policies-title = SLA policies
sla-admin-policies-intro = A policy sets how soon a request is first answered, how long a citizen may wait between public updates (keep in touch) and how soon it is resolved, in business minutes; when to warn, and what happens on a warning and on a breach. Each service uses one policy.
sla-admin-policies-apply = Changes to a policy's targets apply to requests created afterwards; requests already open keep the targets they started with.
sla-admin-policies-new = Add a policy
sla-admin-policies-categories = Choose each service's policy
sla-admin-policy-name = Name
sla-admin-first-response = First response
sla-admin-keep-in-touch = Keep in touch
sla-admin-resolution = Resolution
sla-admin-warnings = Warnings at
sla-admin-policy-calendar = Calendar
sla-admin-policy-services = Services
sla-admin-policy-overrides = Own targets for
sla-admin-none = None
sla-admin-calendar-department = The handling department's calendar
sla-admin-escalation-none = None

## Policies: the policy's page
sla-admin-policy-new-title = Add an SLA policy
sla-admin-policy-back = Back to SLA policies
sla-admin-policy-description = Description
sla-admin-policy-targets = Targets
sla-admin-policy-targets-hint = In business minutes: only time the calendar is open counts. A working day of 08:30 to 17:00 is 510 minutes.
sla-admin-first-response-hint = Until the first public reply or acknowledgement.
sla-admin-keep-in-touch-hint = The longest a citizen may wait between public updates while the request is open. Leave empty for no such target.
sla-admin-resolution-hint = Until the request is resolved. No shorter than the first response.
sla-admin-warning-percents = Warn at (percent of the target)
sla-admin-warning-percents-hint = One or more whole numbers from 1 to 99, separated by commas, for example 50, 75, 90.
sla-admin-warning-actions = On each warning
sla-admin-breach-actions = On a breach
sla-admin-action-notify_assignee = Notify the assignee
sla-admin-action-notify_supervisors = Notify the department's supervisors
sla-admin-action-raise_priority = Raise the priority one step
sla-admin-action-move_department = Move it to the escalation department
sla-admin-escalation-department = Escalation department
sla-admin-escalation-department-hint = Where "move it to the escalation department" sends the request (that department's queue).
sla-admin-policy-calendar-hint = The calendar business time is counted in.
sla-admin-policy-create = Add policy
sla-admin-policy-save = Save policy
sla-admin-policy-apply-hint = Saved targets apply to requests created from now on.
sla-admin-overrides-title = Targets for one priority
sla-admin-overrides-intro = A priority with its own targets uses them instead of the policy's.
sla-admin-overrides-none = None: every priority uses the policy's targets.
sla-admin-override-priority = Priority
sla-admin-override-save = Save targets for this priority
sla-admin-policy-used-by = Used by
sla-admin-policy-no-services = No service uses this policy.
sla-admin-policy-delete-title = Delete this policy
sla-admin-policy-delete-intro = A policy can be deleted only when no service and no ticket uses it.
sla-admin-policy-delete = Delete policy

## Policies: services
sla-admin-categories-title = Each service's SLA policy
sla-admin-categories-intro = The policy a service uses times every request made for it from now on.
sla-admin-categories-none = No SLA
sla-admin-categories-service = Service
sla-admin-categories-department = Department
sla-admin-categories-policy = Policy
sla-admin-categories-inactive = (not offered)
sla-admin-categories-save = Save

## Errors
sla-admin-target-name-first-response = first-response
sla-admin-target-name-keep-in-touch = keep-in-touch
sla-admin-target-name-resolution = resolution
sla-admin-error-name = Enter a name of 1 to { $max } characters.
sla-admin-error-zone = "{ $value }" is not an IANA time zone such as Europe/London.
sla-admin-error-weekday = "{ $value }" is not a day of the week.
sla-admin-error-time = "{ $value }" is not a time: enter it as HH:MM, 24-hour, for example 09:00 or 17:30.
sla-admin-error-empty-interval = The interval on { $weekday } from { $start } to { $end } is empty: its end must differ from its start (00:00 to 00:00 is the whole day).
sla-admin-error-yearly-date = Month { $month }, day { $day } is not a real date in any year.
sla-admin-error-closed-range = Closed from { $from } until { $to } is not a range: the end must be after the start (24:00 for the end of the day). To close all day, leave both times empty.
sla-admin-error-no-open-time = A weekly calendar needs at least one opening interval (or make it 24x7).
sla-admin-error-always-closed = The yearly holidays close every day of the year, so the calendar would never be open.
sla-admin-error-always-open-rows = A 24x7 calendar is always open: it has no opening hours or holidays.
sla-admin-error-interval-duplicate = There is already an interval on { $weekday } starting at { $start }.
sla-admin-error-holiday-duplicate = There is already a holiday on { $date }.
sla-admin-error-date-format = "{ $value }" is not a date: enter it as YYYY-MM-DD, for example 2026-12-25.
sla-admin-error-date-yearly-format = "{ $value }" is not a date: enter it as YYYY-MM-DD or MM-DD, for example 12-25.
sla-admin-error-date-unreal = "{ $value }" is not a real date.
sla-admin-error-part-day-both = To close for part of the day give both times; to close all day leave both empty.
sla-admin-error-calendar-name-taken = There is already a calendar called "{ $name }".
sla-admin-error-calendar-used-by-departments = This calendar cannot be deleted: { $count ->
    [one] a department uses it
   *[other] { $count } departments use it
  } ({ $names }). Give { $count ->
    [one] it
   *[other] them
  } another calendar first.
sla-admin-error-calendar-used-by-policies = This calendar cannot be deleted: { $count ->
    [one] an SLA policy uses it
   *[other] { $count } SLA policies use it
  } ({ $names }). Change { $count ->
    [one] its
   *[other] their
  } calendar first.
sla-admin-error-calendar-used-by-tickets = This calendar cannot be deleted: the SLA clocks of { $count ->
    [one] a ticket have
   *[other] { $count } tickets have
  } counted time on it, and their history must stay readable.
sla-admin-error-last-interval = This is the calendar's last opening interval, and a weekly calendar needs at least one. Add another first, or make the calendar 24x7.
sla-admin-error-preview-at = Enter the moment as a date and time, for example 2026-03-30T09:00.
sla-admin-error-preview-gap = That time does not exist in this zone: the clocks go forward over it.
sla-admin-error-preview-periods = List from 1 to 50 opening periods.
sla-admin-error-preview-hours = Enter the target as a number of hours greater than 0, for example 8 or 7.5.
sla-admin-error-target-required = Enter the { $target } target in business minutes.
sla-admin-error-target-number = The { $target } target must be a whole number of minutes, not "{ $value }".
sla-admin-error-target-range = The { $target } target must be from 1 to { $max } business minutes, not { $value }.
sla-admin-error-response-after-resolution = The first response ({ $first } minutes) cannot be due after the resolution ({ $resolution } minutes).
sla-admin-error-thresholds-required = Give at least one warning threshold, for example 75.
sla-admin-error-threshold-number = "{ $value }" is not a whole number: give thresholds like 50, 75, 90.
sla-admin-error-threshold-range = Warning thresholds are percentages from 1 to 99, not { $value }.
sla-admin-error-threshold-duplicate = { $value } is given twice: each warning threshold must be different.
sla-admin-error-action = "{ $value }" is not an escalation action (notify_assignee, notify_supervisors, raise_priority or move_department).
sla-admin-error-escalation-department-required = Choose the escalation department: "move it to the escalation department" needs one.
sla-admin-error-department-unknown = There is no department "{ $value }".
sla-admin-error-department-inactive = { $name } is no longer in use; choose another escalation department.
sla-admin-error-calendar-unknown = There is no calendar { $value }; choose one from the list.
sla-admin-error-description = The description may be at most { $max } characters.
sla-admin-error-policy-name-taken = There is already an SLA policy called "{ $name }".
sla-admin-error-priority = "{ $value }" is not a priority: use low, normal, high or urgent.
sla-admin-error-policy-used-by-categories = This policy cannot be deleted: { $count ->
    [one] a service uses it
   *[other] { $count } services use it
  } ({ $names }). Give { $count ->
    [one] it
   *[other] them
  } another policy first.
sla-admin-error-policy-used-by-tickets = This policy cannot be deleted: the SLA clocks of { $count ->
    [one] a ticket follow
   *[other] { $count } tickets follow
  } it.
sla-admin-error-policy-unknown = There is no SLA policy { $value }; choose one from the list.
sla-admin-error-category-unknown = There is no service "{ $value }".
