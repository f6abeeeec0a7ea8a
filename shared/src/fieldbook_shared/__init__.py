"""Fieldbook's shared kit: the small, boring pieces every service uses the same way."""
