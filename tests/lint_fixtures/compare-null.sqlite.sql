-- case: triggers
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: queries/users.sql
-- name: UsersWithoutEmail :many
SELECT id FROM users WHERE email = NULL ORDER BY id;

-- case: passes
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: queries/users.sql
-- name: UsersWithoutEmail :many
SELECT id FROM users WHERE email IS NULL ORDER BY id;
