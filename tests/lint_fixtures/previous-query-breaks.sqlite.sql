-- case: triggers
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: schema/002_drop_email.sql
ALTER TABLE users DROP COLUMN email;
-- file: previous/users.sql
-- name: GetEmail :one
SELECT email FROM users WHERE id = @id;
-- case: passes
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: schema/002_add_phone.sql
ALTER TABLE users ADD COLUMN phone TEXT;
-- file: previous/users.sql
-- name: GetEmail :one
SELECT email FROM users WHERE id = @id;
