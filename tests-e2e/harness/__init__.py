"""The e2e harness: infrastructure, the running system as real processes, AMQP and polling helpers."""
