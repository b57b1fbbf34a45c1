-- SQLite cannot change a column's type or constraints in place: the documented
-- rebuild (https://sqlite.org/lang_altertable.html#otheralter).
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE projects_new (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO projects_new (id, name, owner) SELECT id, COALESCE(name, ''), owner FROM projects;
DROP TABLE projects;
ALTER TABLE projects_new RENAME TO projects;
CREATE INDEX projects_owner ON projects (owner);
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
