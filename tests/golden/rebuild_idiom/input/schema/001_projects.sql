CREATE TABLE projects (
    id INTEGER PRIMARY KEY,
    name TEXT,
    owner TEXT NOT NULL,
    legacy_flag INTEGER DEFAULT 0
);
CREATE INDEX projects_owner ON projects (owner);
INSERT INTO projects (name, owner) VALUES ('first', 'ann');
