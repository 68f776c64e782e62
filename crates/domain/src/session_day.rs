//! The session day as a state machine: check-in, checklist and time-out, the steps in order, their timing against the protocol, and deviations.
