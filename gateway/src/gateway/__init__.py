"""Fieldbook gateway: the one public door to every service."""
