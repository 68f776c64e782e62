# Cellpath: English catalogue of stages 2 to 5 (protocol, plans, screening, sessions, preparation).
# Every key here must also be in ../ar/plans.ftl.

issue-not-eligible = Screening found a reason this plan cannot go ahead.
