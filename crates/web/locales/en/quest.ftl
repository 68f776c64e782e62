## Follow-up questionnaires, outcome charts and the cohort report.

quest-title = Questionnaires and outcomes
quest-open = Questionnaires and outcomes
quest-section-help = Pain, knee and back questionnaires at each follow-up, with charts against the baseline.
quest-portal-help = Answer the clinic's questionnaires about your pain and everyday life, and see how your scores change.
nav-my-questionnaires = My questionnaires
quest-back-chart = Back to the chart
quest-back-portal = Back to my record
quest-back-list = Back to the questionnaires
quest-intro = Each questionnaire is answered at a follow-up timepoint. The charts show each score over time against the first answer (the baseline); the shaded band is the smallest change that counts as a real one.
quest-answer = Answer this questionnaire
quest-no-chart = Not answered yet.
quest-chart-legend = dashed line: baseline; band: baseline ± the minimal important change; dotted lines: treatment sessions
quest-responses = Answers so far
quest-responses-empty = No questionnaire answered yet.
quest-when = When
quest-questionnaire = Questionnaire
quest-timepoint = Follow-up timepoint
quest-scores = Scores
quest-form-intro = Choose one answer for each question. Questions marked * must be answered; the others may be left out if they do not apply.
quest-save = Save the answers

timepoint-baseline = Baseline (before treatment)
timepoint-1w = 1 week
timepoint-6w = 6 weeks
timepoint-3m = 3 months
timepoint-6m = 6 months
timepoint-12m = 12 months
timepoint-other = Other

outcome-baseline-label = Baseline { $value } (± { $mic })
outcome-session-label = Session { $number }
outcome-axis-days-session = Days since the first treatment session
outcome-axis-days-baseline = Days since baseline
outcome-no-score = not scored (too few answers)
outcome-percent = { $percent }%

outcomes-title = Outcomes
outcomes-intro = Patients of your sites by indication and cell source: for each score, how many answered, how many have a baseline and a later answer, and how many of those improved by at least the minimal important change (latest answer against baseline).
outcomes-empty = No questionnaire answered yet.
outcomes-indication = Indication
outcomes-cell-source = Cell source
outcomes-score = Score
outcomes-patients = Patients
outcomes-compared = With baseline and follow-up
outcomes-improved = Improved
outcomes-share = Share improved
