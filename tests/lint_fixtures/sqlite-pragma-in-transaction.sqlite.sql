-- case: triggers
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: schema/002_change.sql
BEGIN;
PRAGMA foreign_keys = OFF;
ALTER TABLE users ADD COLUMN phone TEXT;
COMMIT;
-- case: passes
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: schema/002_change.sql
PRAGMA foreign_keys = OFF;
BEGIN;
ALTER TABLE users ADD COLUMN phone TEXT;
COMMIT;
