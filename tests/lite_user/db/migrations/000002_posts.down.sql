DROP TRIGGER posts_fts_delete;
DROP TRIGGER posts_fts_insert;
DROP TABLE posts_fts;
DROP VIEW post_stats;
DROP INDEX posts_user;
DROP TABLE post_tags;
DROP TABLE posts;
