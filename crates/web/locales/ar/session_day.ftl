# The session day at the bedside.
