-- case: triggers
-- file: schema/001_init.sql
CREATE TABLE users (id BIGINT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE posts (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users (id));

-- file: schema/002_rebuild.sql
SET lock_timeout = '5s';
ALTER TABLE users RENAME TO users_old;
CREATE TABLE users (id BIGINT PRIMARY KEY, name TEXT NOT NULL, email TEXT);
INSERT INTO users (id, name) SELECT id, name FROM users_old;
DROP TABLE users_old;
-- case: passes
-- file: schema/001_init.sql
CREATE TABLE users (id BIGINT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE posts (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users (id));

-- file: schema/002_rebuild.sql
SET lock_timeout = '5s';
ALTER TABLE posts RENAME TO posts_old;
CREATE TABLE posts (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users (id), body TEXT);
INSERT INTO posts (id, user_id) SELECT id, user_id FROM posts_old;
DROP TABLE posts_old;
