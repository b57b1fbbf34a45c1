"""The working_directory refactoring as a code change, replayed in a temporary copy of the repo.

Before: migrations 1 and 3, the old thread and session queries and queries/working_directories.sql
generate a WorkingDirectory model and generated/queries/working_directories.py. After adding
migrations 4-6, deleting working_directories.sql and editing the thread and session queries, a
regeneration removes that module, Thread.working_directory is str, Session has none, and the result
is byte-for-byte the committed generated/ package.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = '[tool.codegen]\nengine = "sqlite"\nschema = "schema/*.up.sql"\nqueries = "queries"\nout = "generated"\n'

OLD_THREADS = """\
-- name: GetThread :one
SELECT * FROM threads WHERE channel_id = @channel_id AND thread_ts = @thread_ts LIMIT 1;

-- name: CreateThread :one
INSERT INTO threads (channel_id, thread_ts) VALUES (@channel_id, @thread_ts) RETURNING *;

-- name: ListThreads :many
SELECT * FROM threads ORDER BY updated_at DESC, id DESC;
"""

OLD_SESSIONS = """\
-- name: CreateSession :one
INSERT INTO sessions (thread_id, session_id, working_directory, model)
VALUES (@thread_id, @session_id, @working_directory, @model)
RETURNING *;

-- name: GetLatestSessionByThread :one
SELECT * FROM sessions WHERE thread_id = @thread_id ORDER BY started_at DESC, id DESC LIMIT 1;
"""

WORKING_DIRECTORIES = """\
-- name: CreateWorkingDirectory :one
INSERT INTO working_directories (channel_id, name, path) VALUES (@channel_id, @name, @path) RETURNING *;

-- name: GetWorkingDirectory :one
SELECT * FROM working_directories WHERE channel_id = @channel_id AND name = @name;

-- name: ListWorkingDirectories :many
SELECT * FROM working_directories WHERE channel_id = @channel_id ORDER BY name;

-- name: DeleteWorkingDirectory :execrows
DELETE FROM working_directories WHERE id = @id;
"""


def _generate(project: Path) -> None:
    env = {**os.environ, "CODEGEN_NO_CACHE": "1"}
    result = subprocess.run([sys.executable, "-m", "codegen"], cwd=project, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr


def _load(project: Path, module: str) -> object:
    sys.path.insert(0, str(project))
    try:
        for name in [n for n in sys.modules if n == "generated" or n.startswith("generated.")]:
            del sys.modules[name]
        return importlib.import_module(module)
    finally:
        sys.path.remove(str(project))


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and "postgresql" not in p.relative_to(folder).parts}


def test_refactoring_regenerates_the_data_layer(tmp_path: Path) -> None:
    project = tmp_path / "repo"
    (project / "schema").mkdir(parents=True)
    (project / "queries").mkdir()
    (project / "pyproject.toml").write_text(CONFIG)
    for migration in ("000001_init", "000003_working_directories"):
        for direction in ("up", "down"):
            shutil.copy(ROOT / "schema" / f"{migration}.{direction}.sql", project / "schema")
    (project / "queries" / "threads.sql").write_text(OLD_THREADS)
    (project / "queries" / "sessions.sql").write_text(OLD_SESSIONS)
    (project / "queries" / "working_directories.sql").write_text(WORKING_DIRECTORIES)
    saved = {k: v for k, v in sys.modules.items() if k == "generated" or k.startswith("generated.")}
    try:
        _generate(project)
        out = project / "generated"
        assert (out / "queries" / "working_directories.py").is_file()
        assert (out / "aio" / "working_directories.py").is_file()
        models = _load(project, "generated.models")
        assert tuple(models.WorkingDirectory.model_fields) == ("id", "channel_id", "name", "path", "created_at", "updated_at")
        assert models.Session.__annotations__["working_directory"] is str
        assert "working_directory" not in models.Thread.model_fields

        # The earlier version's data layer works against a database at version 3.
        db = sqlite3.connect(tmp_path / "old.db")
        for migration in ("000001_init", "000003_working_directories"):
            db.executescript((project / "schema" / f"{migration}.up.sql").read_text())
        old_wd = _load(project, "generated.queries.working_directories")
        made = old_wd.create_working_directory(db, channel_id="C1", name="repo", path="/srv/repo")
        assert made is not None and old_wd.list_working_directories(db, channel_id="C1") == [made]
        old_threads = _load(project, "generated.queries.threads")
        old_sessions = _load(project, "generated.queries.sessions")
        thread = old_threads.create_thread(db, channel_id="C1", thread_ts="1.0")
        session = old_sessions.create_session(db, thread_id=thread.id, session_id="s1", working_directory="/srv/repo",
                                              model=None)
        assert session.working_directory == "/srv/repo"

        # The refactoring: migrations 4-6 (and the Go release's 7-8 after it), working_directories.sql
        # deleted, the queries edited.
        for migration in ("000004_add_working_directory_to_threads", "000005_remove_working_directory_from_sessions",
                          "000006_drop_working_directories", "000007_add_initial_prompt_to_sessions",
                          "000008_add_pagination_indexes"):
            for direction in ("up", "down"):
                shutil.copy(ROOT / "schema" / f"{migration}.{direction}.sql", project / "schema")
        (project / "queries" / "working_directories.sql").unlink()
        shutil.copy(ROOT / "queries" / "threads.sql", project / "queries" / "threads.sql")
        shutil.copy(ROOT / "queries" / "sessions.sql", project / "queries" / "sessions.sql")
        _generate(project)
        assert not (out / "queries" / "working_directories.py").exists()
        assert not (out / "aio" / "working_directories.py").exists()
        models = _load(project, "generated.models")
        assert not hasattr(models, "WorkingDirectory")
        assert models.Thread.__annotations__["working_directory"] is str
        assert "working_directory" not in models.Session.model_fields
        assert _tree(out) == _tree(ROOT / "generated"), "the regenerated package differs from the committed one"
    finally:
        for name in [n for n in sys.modules if n == "generated" or n.startswith("generated.")]:
            del sys.modules[name]
        sys.modules.update(saved)
