-- Data changes in a migration leave the schema as it is.
INSERT INTO articles (title, body) VALUES ('Hello', 'hello world');
UPDATE articles SET title = upper(title) WHERE id = 1;
DELETE FROM articles WHERE id > 100;
REPLACE INTO articles (id, title, body) VALUES (2, 'Second', 'second article text');
WITH old AS (SELECT id FROM articles WHERE words = 0) DELETE FROM articles WHERE id IN (SELECT id FROM old);
