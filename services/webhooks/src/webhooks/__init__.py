"""Fieldbook webhooks service: partners' endpoints, signed deliveries of the public events."""
