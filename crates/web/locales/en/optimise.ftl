# Optimising a day: the proposal beside the plan in force.

optimise-title = Optimise the day
optimise-intro = A proposal for the sessions that have not started. Sessions under way stay where they are. Nothing changes until you apply it.
optimise-compare = The day now and as proposed
optimise-before = Now
optimise-after = Proposed
optimise-waiting = Patients' waiting between steps
optimise-in-clinic = Patients' time in the clinic
optimise-overtime = Bookings outside working hours
optimise-last-end = Last step ends
optimise-minutes = { $n } min
optimise-started = Sessions under way (not moved)
optimise-not-placed = Some sessions could not be placed better; they keep their booking.
optimise-nothing = No session of this day can move.
optimise-patient = Patient
optimise-start-before = Starts now
optimise-start-after = Would start
optimise-apply = Apply the proposal
optimise-discard = Discard
optimise-stale = The day changed since the proposal was made, so nothing was applied. Here is a new proposal.
optimise-action = Optimise this day
