"""Common Ground: a live multi-agency visioning workshop."""
