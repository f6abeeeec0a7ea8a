"""The event catalogue, one module per producing service, so services grow it without collisions.

Each module defines its data schemas and a `SCHEMAS` dict {event type: schema class}.
"""
