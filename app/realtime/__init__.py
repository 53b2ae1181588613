"""Realtime: a hub carries room events between workers; channels fan them out."""
