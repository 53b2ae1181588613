"""Pure-Python domain: rooms, phases, participants, events. Imports no framework."""
