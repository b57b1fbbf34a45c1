-- A down migration must never be applied: it would drop posts and add a table.
DROP INDEX posts_user_id;
DROP TABLE posts;
CREATE TABLE never_created (x INTEGER);
