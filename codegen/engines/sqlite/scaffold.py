"""What `codegen init` writes for a new project on this engine: one migration and three queries."""

from __future__ import annotations

MIGRATION = """\
CREATE TABLE authors (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    bio  TEXT
);
"""

QUERIES = """\
-- name: GetAuthor :one
SELECT * FROM authors WHERE id = ?;

-- name: ListAuthors :many
SELECT * FROM authors ORDER BY name;

-- name: CreateAuthor :one
INSERT INTO authors (name, bio) VALUES (?, ?) RETURNING *;
"""
