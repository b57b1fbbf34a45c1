-- case: triggers
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: queries/users.sql
-- name: Rename :exec
UPDATE users SET name = @name WHERE id = @id RETURNING id;

-- case: passes
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: queries/users.sql
-- name: Rename :one
UPDATE users SET name = @name WHERE id = @id RETURNING id;
