"""Fieldbook servicing: service intervals, service reminders, batch decisions, the reminder chain."""
