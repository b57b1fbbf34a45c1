CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    words INTEGER NOT NULL DEFAULT 0,
    updated_at TIMESTAMP
);

CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, content='articles', content_rowid='id', tokenize='porter');

-- Keep the index in step; several statements (and a CASE ... END) in one body.
CREATE TRIGGER articles_ai AFTER INSERT ON articles
BEGIN
    INSERT INTO articles_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
    UPDATE articles
    SET words = CASE WHEN new.body = '' THEN 0 ELSE length(new.body) - length(replace(new.body, ' ', '')) + 1 END,
        updated_at = CURRENT_TIMESTAMP
    WHERE id = new.id;
END;

CREATE TRIGGER IF NOT EXISTS articles_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
