-- case: triggers
-- file: schema/001_init.sql
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id));

-- file: schema/002_rebuild.sql
PRAGMA foreign_keys = OFF;
ALTER TABLE users RENAME TO users_old;
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);
INSERT INTO users (id, name) SELECT id, name FROM users_old;
DROP TABLE users_old;
PRAGMA foreign_key_check;
-- case: passes
-- file: schema/001_init.sql
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id));

-- file: schema/002_rebuild.sql
PRAGMA foreign_keys = OFF;
ALTER TABLE posts RENAME TO posts_old;
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), body TEXT);
INSERT INTO posts (id, user_id) SELECT id, user_id FROM posts_old;
DROP TABLE posts_old;
PRAGMA foreign_key_check;
