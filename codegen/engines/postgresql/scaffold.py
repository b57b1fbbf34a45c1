"""What `codegen init` writes for a new project on this engine: one migration and three queries."""

from __future__ import annotations

MIGRATION = """\
CREATE TABLE authors (
    id   bigserial PRIMARY KEY,
    name text NOT NULL,
    bio  text
);
"""

QUERIES = """\
-- name: GetAuthor :one
SELECT * FROM authors WHERE id = $1;

-- name: ListAuthors :many
SELECT * FROM authors ORDER BY name;

-- name: CreateAuthor :one
INSERT INTO authors (name, bio) VALUES ($1, $2) RETURNING *;
"""
