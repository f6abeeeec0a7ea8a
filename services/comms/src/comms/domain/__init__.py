"""The rules of comms in plain Python: placeholders, who may be emailed, SMTP outcomes."""
