"""Fixtures every kit test may use."""

from __future__ import annotations

import pytest
from kit_support import create_schema

from fieldbook_shared.db import create_engine, session_factory


@pytest.fixture
def sqlite_sessions(tmp_path):
    """A fresh SQLite file database with the kit's tables and the test effects table."""
    engine = create_engine(f"sqlite:///{tmp_path / 'kit.db'}")
    create_schema(engine)
    yield session_factory(engine)
    engine.dispose()
