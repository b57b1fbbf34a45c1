-- case: triggers
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: schema/002_rename.sql
ALTER TABLE users RENAME COLUMN email TO mail;
-- case: passes
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

CREATE TABLE drafts (id INTEGER PRIMARY KEY, body TEXT);
ALTER TABLE drafts RENAME COLUMN body TO text;
-- file: schema/003_move_aside.sql
-- The old column moves aside and a new one takes its name before the file commits.
ALTER TABLE users RENAME COLUMN name TO name_before_003;
ALTER TABLE users ADD COLUMN name TEXT;
UPDATE users SET name = name_before_003;
