"""The assets' rules, free of Flask and SQLAlchemy."""
