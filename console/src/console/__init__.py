"""The office console: people log in and run their day in a browser (README.md)."""
