CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    full_name TEXT NOT NULL,
    age INTEGER,
    obsolete TEXT
);
CREATE TABLE scratch (x INTEGER);
CREATE TABLE temp_names (id INTEGER PRIMARY KEY, label TEXT NOT NULL);
CREATE VIEW adults AS SELECT id, full_name FROM people WHERE age >= 18;
