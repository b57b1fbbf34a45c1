"""Fixtures for the app tests: real SQLite files under tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
from legacy import Legacy, build_legacy_db

from app import migrate


@pytest.fixture
def legacy_db(tmp_path: Path) -> tuple[Path, Legacy]:
    """A database as the earlier release left it (version 000003)."""
    path = tmp_path / "legacy.db"
    return path, build_legacy_db(path)


@pytest.fixture
def fresh_db(tmp_path: Path) -> Path:
    """A brand-new database migrated to the current version."""
    path = tmp_path / "fresh.db"
    migrate.migrate(path)
    return path
