-- case: triggers
-- config: sqlite_min_version = "3.31"
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: queries/users.sql
-- name: CreateUser :one
INSERT INTO users (name) VALUES (@name) RETURNING id;
-- case: passes
-- config: sqlite_min_version = "3.35"
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: queries/users.sql
-- name: CreateUser :one
INSERT INTO users (name) VALUES (@name) RETURNING id;
