-- case: triggers
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: queries/users.sql
-- name: UsersNotBanned :many
SELECT id FROM users WHERE name NOT IN (SELECT email FROM users) ORDER BY id;

-- case: passes
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: queries/users.sql
-- name: UsersNotBanned :many
SELECT id FROM users WHERE name NOT IN (SELECT email FROM users WHERE email IS NOT NULL) ORDER BY id;

-- name: UsersNotNamed :many
SELECT id FROM users WHERE email NOT IN (SELECT name FROM users) ORDER BY id;
