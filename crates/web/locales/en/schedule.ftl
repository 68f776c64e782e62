# Stage 6: scheduling (resources, booking, timelines, optimising a day).

slot-step-harvest = Harvest
slot-step-prepare = Donor product preparation
slot-step-process = Processing
slot-step-inject = Injection
slot-step-monitor = Monitoring

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
