-- case: triggers
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: schema/002_change.sql
ALTER TABLE users ADD COLUMN handle TEXT UNIQUE;
-- case: passes
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: schema/002_change.sql
ALTER TABLE users ADD COLUMN handle TEXT;
CREATE UNIQUE INDEX users_handle ON users (handle);
