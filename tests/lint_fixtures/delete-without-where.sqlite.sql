-- case: triggers
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: queries/users.sql
-- name: DeleteUsers :execrows
DELETE FROM users;

-- case: passes
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: queries/users.sql
-- name: DeleteUser :execrows
DELETE FROM users WHERE id = @id;
