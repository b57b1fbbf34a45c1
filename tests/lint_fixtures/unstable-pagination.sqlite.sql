-- case: triggers
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: queries/users.sql
-- name: PageUsers :many
SELECT * FROM users ORDER BY name LIMIT @lim OFFSET @off;

-- case: passes
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: queries/users.sql
-- name: PageUsers :many
SELECT * FROM users ORDER BY name, id LIMIT @lim OFFSET @off;
