# Stage 10: the clinic's reports of a site over a period.

reports-title = Clinic reports
reports-intro = Counts for the sessions of one site that started in the period, and the follow-up visits due in it. No patient is named.
reports-site = Site
reports-from = From
reports-to = To
reports-show = Show
reports-csv = Download as CSV
reports-sessions = { $count } sessions with anything recorded on their day.
reports-none = —
reports-minutes = { $minutes } min
reports-range = { $min }–{ $max } min
reports-at-least = at least { $min } min

reports-steps-title = Step durations against the protocol
reports-col-step = Step
reports-col-sessions = Sessions
reports-col-median = Median
reports-col-shortest = Shortest
reports-col-longest = Longest
reports-col-protocol = Protocol
reports-col-too-short = Too short
reports-col-too-long = Too long
reports-whole-session = Whole session

reports-deviations-title = Deviations by kind
reports-col-kind = Kind
reports-col-deviations = Deviations
reports-col-sessions-touched = Sessions with one

reports-ae-title = Adverse events
reports-ae-treated = Sessions in which cells were given
reports-ae-events = Adverse events recorded
reports-ae-rate = Events per 100 sessions
reports-ae-serious = Serious
reports-ae-related = Possibly, probably or definitely related
reports-ae-sessions-with = Sessions with at least one event
reports-ae-grade = Grade { $grade }

reports-fu-title = Follow-up completion
reports-fu-empty = No follow-up visit falls due in this period.
reports-col-visit = Visit
reports-fu-visit = { $days } days
reports-col-due = Fell due
reports-col-completion = Kept
reports-fu-state-upcoming = Not yet due
reports-fu-state-unrecorded = Not recorded
reports-fu-state-not-booked = Never booked
reports-fu-state-attended = Attended
reports-fu-state-missed = Missed
reports-fu-state-cancelled = Cancelled

follow-up-col-attendance = Attended?
follow-up-attended = Attended
follow-up-missed = Missed
follow-up-mark-attended = Came
follow-up-mark-missed = Did not come
