-- case: triggers
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: queries/users.sql
-- name: UserByName :one
SELECT * FROM users WHERE name = @name;

-- case: passes
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: queries/users.sql
-- name: UserByID :one
SELECT * FROM users WHERE id = @id;

-- name: FirstUserByName :one
SELECT * FROM users WHERE name = @name ORDER BY id LIMIT 1;

-- name: CountUsers :one
SELECT count(*) FROM users WHERE name = @name;
