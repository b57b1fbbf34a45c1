-- case: triggers
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);
CREATE INDEX users_email ON users (email);
-- file: schema/002_change.sql
-- codegen: allow drop-column reason="fixture"
ALTER TABLE users DROP COLUMN email;
-- case: passes
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);
CREATE INDEX users_name ON users (name);
-- file: schema/002_change.sql
-- codegen: allow drop-column reason="fixture"
ALTER TABLE users DROP COLUMN email;
