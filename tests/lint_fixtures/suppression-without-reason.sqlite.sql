-- case: triggers
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: schema/002_drop.sql
-- codegen: allow drop-table
DROP TABLE users;
-- case: passes
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: schema/002_drop.sql
-- codegen: allow drop-table reason="users moved to the accounts service in 2.0"
DROP TABLE users;
