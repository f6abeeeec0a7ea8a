"""A local SMS provider simulator for comms (`make up`, the e2e suite): see app.py."""
