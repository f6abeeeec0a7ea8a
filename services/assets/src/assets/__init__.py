"""Fieldbook assets service: the equipment at customers' sites and the tenant's asset catalogue."""
