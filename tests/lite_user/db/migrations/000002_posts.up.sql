CREATE TABLE posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    views INTEGER NOT NULL DEFAULT 0,
    parent_id INTEGER REFERENCES posts(id),
    rating ANY
) STRICT;
CREATE TABLE post_tags (
    post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    tag TEXT NOT NULL REFERENCES tags(name),
    PRIMARY KEY (post_id, tag)
) WITHOUT ROWID;
CREATE INDEX posts_user ON posts(user_id);
CREATE VIEW post_stats AS
    SELECT u.id AS user_id, u.email, count(p.id) AS n_posts, sum(p.views) AS total_views
    FROM users u LEFT JOIN posts p ON p.user_id = u.id GROUP BY u.id;
CREATE VIRTUAL TABLE posts_fts USING fts5(title, body, content='posts', content_rowid='id');
CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
    INSERT INTO posts_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
    INSERT INTO posts_fts (posts_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
