# Cellpath: English catalogue of consent (stage 4) and what to expect (stage 9).
# Every key here must also be in ../ar/consent.ftl.

nav-what-to-expect = What to expect
nav-my-consents = My consents
nav-consent-texts = Consent texts
nav-answers = Patient answers

## A plan's consent, in the portal and on a staff device.
consent-title = Consent
consent-open = Consent
consent-state-label = Consent
consent-state-valid = Valid
consent-state-missing = Not signed yet
consent-state-outdated = To sign again
consent-state-withdrawn = Withdrawn
consent-state-help-valid = The consent is signed on the current text.
consent-state-help-missing = The consent has not been signed yet. Please read the text below before you sign.
consent-state-help-outdated = The clinic has changed the consent text since it was signed. Please read the new text and sign again.
consent-state-help-withdrawn = The consent was withdrawn. Nothing that follows can go ahead unless consent is given again.
consent-text-version = Version { $version } of the text
consent-signed = Signed as “{ $name }” by { $who } on { $date } UTC, text version { $version }, { $via }.
signed-via-portal = in the patient portal
signed-via-staff-device = on a clinic device
consent-witness = Witness: { $name }
consent-interpreter = Interpreter: { $name } ({ $language })
consent-withdrawn-line = Withdrawn on { $date } UTC by { $who }.
consent-withdrawn-reason = Reason: { $reason }
consent-pdf = The signed document (PDF)
signatures-title = Signatures
sign-title = Sign the consent
field-confirmed = I have read and understood this text
field-typed-name = Full name, typed
field-witness-name = Witness's name
field-interpreter-name = Interpreter's name, if one was used
field-interpreter-language = Language interpreted
field-drawn-signature = Signature, drawn (optional)
drawn-signature-hint = Draw with a finger, a pen or the mouse. The typed name is enough if you prefer not to draw.
drawn-signature-clear = Clear the drawing
sign-button = Sign
withdraw-title = Withdraw the consent
withdraw-help = Consent may be withdrawn at any time before the treatment. Sessions of this plan are then stopped until consent is given again.
field-withdrawal-reason = Reason (optional)
withdraw-button = Withdraw the consent
back-to-my-consents = Back to my consents
my-consents-title = My consents
my-consents-help = The consent for each of your treatment plans.
my-consents-empty = You have no treatment plan yet.

## What to expect (portal).
expect-title = What to expect
expect-help = Your session day as planned, the days after it, and answers to common questions. Times are in UTC.
expect-empty = No approved treatment plan yet. This page fills in once your physician has approved a plan.
expect-next-session = Next session (session { $number }): { $date } UTC
expect-no-session = No session is booked yet.
expect-day-title = Your session day
expect-total = The whole visit: { $duration }
expect-fasting = You have sedation: no solid food for { $solids } hours and no clear liquids for { $liquids } hours before the session.
expect-ride = You have sedation: you may not drive afterwards. Someone must take you home.
expect-recovery-title = The days after
expect-footer = These are general notes. Follow the advice the clinic gives you for your own case.
answers-title = Common questions
minutes-exact = { $minutes } minutes
minutes-range = { $min }–{ $max } minutes
step-check-in = Arrival and check-in
step-harvest = Cells are drawn, under local anaesthetic
step-donor-preparation = The donor product is prepared
step-processing = The cells are prepared in the laboratory while you rest
step-injection = The injection
step-monitoring = Rest and observation
step-go-home = Going home
recovery-harvest-site-care = Keep the dressing where the cells were drawn clean and dry for a day, as the clinic shows you.
recovery-ice-first-day = On the first day, a cold pack wrapped in cloth can ease soreness at the injection site.
recovery-hydration = Drink plenty of water.
recovery-no-nsaids = Do not take anti-inflammatory painkillers (NSAIDs) until the clinic says you may; ask which painkiller to use instead.
recovery-no-strenuous-week = Avoid strenuous activity and sport for about a week.
recovery-daily-activity-days = Many people go back to light daily activity within 1 to 2 days.
recovery-work-days = Many people go back to work within 24 to 48 hours; ask the clinic about your own work.

## The admin's texts: consent texts and answers.
text-in-force = In force: version { $version }, written by { $who } on { $date } UTC.
text-starting = In force: the starting text (version 0). The clinic has not written its own yet.
text-save = Save as a new version
field-text-title = Title
field-text-body = Text
consent-texts-title = Consent texts
consent-texts-help = One text per procedure and language. Leave a blank line between paragraphs; patients see the text exactly as written here.
consent-texts-save-hint = Saving makes a new version: every patient who signed an earlier version is asked to sign again.
answers-admin-title = Answers to common questions
answers-admin-help = Patients read these on their “What to expect” page, in their language.
field-answer-title = Question
field-answer-body = Answer
question-what-to-wear = What to wear
question-will-i-be-asleep = Being awake or asleep
question-does-it-hurt = Pain
question-when-can-i-work = Going back to work
question-how-many-sessions = Number of sessions
question-who-to-call = Whom to call
