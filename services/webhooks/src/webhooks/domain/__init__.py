"""The webhooks rules, without Flask or the database: docs/architecture.md."""
