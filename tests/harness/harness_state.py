"""What the harness's tests and its conftest share: the generated packages and the running tally."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from harness_calls import Tally
from harness_projects import Case, Generated

TOTAL: dict[str, Tally] = {}  # engine -> every call made on it this session
SKIPPED: list[str] = []  # functions not called, and why (harness_validity.py)
NOT_RUN: list[str] = []  # cases that could not run, and why (codegen or the engine refuses them)
# As tests/conftest.py gives every test database: far from UTC, so a time written in the session's
# zone instead of UTC cannot pass unnoticed.
DATABASE_TIME_ZONE = "Pacific/Auckland"


@dataclass
class Packages:
    root: Path
    cases: list[Case]
    generated: dict[str, Generated] = field(default_factory=dict)  # case id -> its package
    refused: dict[str, str] = field(default_factory=dict)  # case id -> why codegen refused it
    notes: list[str] = field(default_factory=list)
    mypy: subprocess.Popen[str] | None = None


