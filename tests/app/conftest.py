"""Fixtures for the app tests: real SQLite files under tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
from legacy import Legacy, build_legacy_db

from app import migrate


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "faults: fault injection on real files (test_app_faults.py); FAULT_TRIALS=N for the long variant"
    )


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
