-- case: triggers
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: schema/002_drop.sql
DROP TABLE users;
-- case: passes
-- file: schema/001_init.sql
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT
);

-- file: schema/002_drop.sql
-- codegen: allow drop-table reason="no release reads users since 1.4"
DROP TABLE users;
