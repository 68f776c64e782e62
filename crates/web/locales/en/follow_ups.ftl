# Stage 8: follow-up visits booked by the protocol at discharge.

follow-ups-title = Follow-up visits
follow-ups-empty = No follow-up visits yet: they are booked when the session ends with discharge.
follow-up-col-days = Days after the session
follow-up-col-when = When
follow-up-col-with = With
follow-up-col-room = Room
follow-up-unbooked = Not booked yet (due { $date }): the clinic will call to arrange it.

setting-follow-up-minutes = Follow-up visit length (minutes)
setting-follow-up-seen-by = Who sees the patient at follow-up
setting-follow-up-seen-by-hint = physician or nurse

reminder-follow-up-subject = Your follow-up visit on { $when }
reminder-follow-up-body = Dear { $name }, your follow-up visit at { $site } is booked for { $when } (UTC), { $days } days after your session. The calendar file attached has the visit.
reminder-follow-up-day-before-subject = Tomorrow: your follow-up visit at { $site }
reminder-follow-up-day-before-body = Dear { $name }, this is a reminder of your follow-up visit at { $site } on { $when } (UTC).
reminder-sms-follow-up = { $site }: your follow-up visit is booked for { $when } (UTC).
reminder-sms-follow-up-day-before = { $site }: reminder, your follow-up visit is on { $when } (UTC).
reminder-follow-up-calendar-summary = Follow-up visit at { $site }
