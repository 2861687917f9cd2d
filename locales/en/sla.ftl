## SLA clocks: names, urgency, durations, the ticket page, queues, citizens, email.

sla-clock-first-response = First response
sla-clock-keep-in-touch = Keep in touch
sla-clock-resolution = Resolution

sla-urgency-on-track = On track
sla-urgency-due-soon = Due soon
sla-urgency-overdue = Overdue
sla-urgency-paused = Paused
sla-urgency-met = Met
sla-urgency-met-late = Met late
sla-urgency-stopped = Stopped

sla-duration-days = { $n } d
sla-duration-hours = { $n } h
sla-duration-minutes = { $n } min
sla-duration-zero = 0 min

sla-due-in = due in { $duration }
sla-overdue-by = overdue by { $duration }
sla-left = { $duration } of working time left
sla-over-by = { $duration } of working time over
sla-paused-left = paused while we wait for the citizen; { $duration } of working time left
sla-met-at = met { $when }
sla-extended = extended by { $duration }
sla-breached-at = breached { $when }

sla-heading = Service level
sla-none = No service level applies to this ticket's category.
sla-due-column = Due
sla-no-due = —
sla-col-clock = Clock
sla-col-state = State
sla-col-due = Due ({ $zone })
sla-col-time = Time
sla-extend-heading = Grant an extension
sla-extend-help = Supervisors can move a due date, with a reason the citizen will see.
sla-extend-clock = Clock
sla-extend-minutes = Extra working minutes
sla-extend-reason = Reason (shown to the citizen)
sla-extend-submit = Extend
sla-extend-error-minutes = Give a whole number of minutes between 1 and 100000.
sla-extend-error-clock = Choose a clock that is running or paused.
sla-extend-done = The due date was moved.

sla-event-updated = SLA clocks updated
sla-event-warning = SLA warning: { $clock } at { $percent } % of its target
sla-event-breach = SLA breached: { $clock } passed its target
sla-event-extended = Due date moved: { $clock } extended by { $duration }
sla-event-recomputed = SLA due dates recomputed after a calendar change


## What citizens are told.
sla-promise-respond-by = We aim to respond by { $date }.
sla-promise-resolve-by = We aim to resolve your request by { $date }.
sla-promise-paused = Our target dates are paused while we wait for your reply.
sla-promise-zone = Times are { $zone } time.
sla-extended-public = We need more time: we now aim to finish by { $date }. { $reason }

## Email to staff.
email-sla-warning-subject = SLA warning: { $reference } { $clock } at { $percent } %
email-sla-breach-subject = SLA breached: { $reference } { $clock } is overdue
email-sla-warning-intro = { $reference } has used { $percent } % of its { $clock } target. It is due { $due }.
email-sla-breach-intro = { $reference } has passed its { $clock } target, which was due { $due }.
email-sla-department = Department
email-sla-state = Now
email-sla-actions = Also done
email-sla-action-raise-priority = priority raised to { $priority }
email-sla-action-move-department = moved to { $department }
email-sla-why-assignee = You are receiving this because the ticket is assigned to you in CivicDesk.
email-sla-why-supervisor = You are receiving this because you supervise the ticket's department in CivicDesk.
email-ticket-received-next-resolve-by = We aim to resolve it by { $date }.

## The staff timeline.
tickets-event-sla-updated = SLA clocks
tickets-event-sla-warning = SLA warning
tickets-event-sla-breach = SLA breach
tickets-event-sla-extended = SLA extended
event-sla-extended = We need more time
sla-event-kind-started = started
sla-event-kind-paused = paused
sla-event-kind-resumed = resumed
sla-event-kind-retargeted = new target
sla-event-kind-calendar-changed = now counted in the new department's hours
sla-event-kind-extended = extended
sla-event-kind-met = met
sla-event-kind-stopped = stopped
sla-event-kind-reopened = resumed on reopening
sla-event-kind-restarted = restarted
sla-event-kind-warned = warned
sla-event-kind-breached = breached
