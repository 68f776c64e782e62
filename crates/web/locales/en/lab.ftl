# The lab, donor lots and the day board.
