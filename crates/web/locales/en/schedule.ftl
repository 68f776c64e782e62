# Stage 6: scheduling (resources, booking, timelines, optimising a day).

slot-step-harvest = Harvest
slot-step-prepare = Donor product preparation
slot-step-process = Processing
slot-step-inject = Injection
slot-step-monitor = Monitoring
slot-step-follow-up = Follow-up visit

need-room = procedure room
need-physician = physician
need-nurse = nurse
need-anaesthesia = anaesthesia provider
need-tech = lab technician
need-centrifuge = centrifuge
need-imaging = imaging unit
need-bay = recovery bay

busy-booked = booked for another session
busy-off-duty = off duty
busy-break = on a break
busy-leave = on leave or out of service

clash-line = { $step } { $from }–{ $to }: no { $need } free ({ $taken })
clash-none = { $step } { $from }–{ $to }: this site has no { $need } that can do it
clash-taken = { $resource }: { $reason } { $from }–{ $to }

## Resources page and booking on the plan page

nav-resources = Resources
resources-title = Resources
resources-empty = This site has no resources yet.
resources-add = Add a resource
resources-back = Back to the resources
resources-hours = Hours
resources-break = Break
resources-state = State
resource-edit-title = Edit a resource
resource-active = In use
resource-inactive = Out of use
resource-every-day = Every day
resource-work-days-hint = Seven characters from Monday to Sunday, 1 for a working day: 1111100 is Monday to Friday.
resource-conflict = Someone else changed this resource while you were editing it. Check the values and save again.
resource-day-1 = Mon
resource-day-2 = Tue
resource-day-3 = Wed
resource-day-4 = Thu
resource-day-5 = Fri
resource-day-6 = Sat
resource-day-7 = Sun
resource-kind-procedure-room = Procedure rooms
resource-kind-physician = Physicians
resource-kind-nurse = Nurses
resource-kind-lab-tech = Lab technicians
resource-kind-anaesthesia = Anaesthesia providers
resource-kind-centrifuge = Centrifuges
resource-kind-ultrasound = Ultrasound units
resource-kind-c-arm = C-arms
resource-kind-recovery-bay = Recovery bays
field-resource-kind = Kind
field-resource-name = Name
field-resource-username = Staff account (username)
field-resource-work-days = Working days
field-resource-work-start = Starts work
field-resource-work-end = Ends work
field-resource-break-start = Break from
field-resource-break-end = Break until
field-resource-fluoroscopy = Fluoroscopy
leave-title = Leave and time out of service
leave-empty = No leave ahead.
leave-add = Add leave
leave-remove = Remove
field-leave-first-day = First day
field-leave-last-day = Last day
field-leave-reason = Reason
schedule-unavailable = This time cannot be booked:
free-times-title = Find free times
free-times-from = From
free-times-to = To
free-times-button = Find
free-times-none = No free time in these days.
free-times-some = Free starts (UTC); choose one to book it:
session-steps = Steps
session-step-line = { $step } { $from }–{ $to }: { $resources }
session-move = Move to
session-move-button = Move
session-cancel-button = Cancel this session
session-changed = The session was not changed:
