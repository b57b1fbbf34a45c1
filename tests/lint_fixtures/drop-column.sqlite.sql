-- case: triggers
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: schema/002_drop.sql
ALTER TABLE users DROP COLUMN email;
-- case: passes
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: schema/002_drop.sql
ALTER TABLE users ADD COLUMN phone TEXT;
