-- name: CreatePost :one
INSERT INTO posts (user_id, title, body, parent_id, rating) VALUES (?, ?, ?, ?, ?) RETURNING *;

-- name: ImportPosts :copyfrom
INSERT INTO posts (user_id, title, body) VALUES (?, ?, ?);

-- name: GetPostWithAuthor :one
SELECT sqlc.embed(posts), sqlc.embed(users) FROM posts JOIN users ON users.id = posts.user_id WHERE posts.id = ?;

-- name: PostsWithParent :many
SELECT sqlc.embed(p), sqlc.embed(parent) FROM posts p LEFT JOIN posts parent ON parent.id = p.parent_id ORDER BY p.id;

-- name: UsersAndPosts :many
SELECT u.id, u.email, p.id AS post_id, p.title FROM users u LEFT JOIN posts p ON p.user_id = u.id ORDER BY u.id, p.id;

-- name: CreateTag :exec
INSERT INTO tags (name, color) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET color = excluded.color;

-- name: TagPost :batchexec
INSERT OR IGNORE INTO post_tags (post_id, tag) VALUES (?, ?);

-- name: TagsOfPosts :many
SELECT p.id, group_concat(pt.tag) AS tags, json_group_array(pt.tag) AS tag_array, count(pt.tag) AS n
FROM posts p LEFT JOIN post_tags pt ON pt.post_id = p.id GROUP BY p.id ORDER BY p.id;

-- name: StatsWithUser :many
SELECT sqlc.embed(post_stats), users.name FROM post_stats JOIN users ON users.id = post_stats.user_id ORDER BY users.id;

-- name: SearchPosts :many
SELECT rowid, title FROM posts_fts WHERE posts_fts MATCH ? ORDER BY rank, rowid;

-- name: Thread :many
WITH RECURSIVE thread(id, depth) AS (
    SELECT id, 0 FROM posts WHERE id = ?
    UNION ALL
    SELECT p.id, t.depth + 1 FROM posts p JOIN thread t ON p.parent_id = t.id
)
SELECT posts.id, posts.title, thread.depth FROM thread JOIN posts USING (id) ORDER BY depth, id;

-- name: BumpViews :execrows
UPDATE posts SET views = views + 1 WHERE user_id = ? RETURNING id;

-- name: PostsPage :many
SELECT id, title FROM posts WHERE title LIKE sqlc.optional(title_like) ORDER BY sqlc.sort(order_by, id, views, title) LIMIT ? OFFSET ?;

-- name: PostsOfUsers :batchmany
SELECT id, title FROM posts WHERE user_id = ? ORDER BY id;

-- name: FirstPostOf :batchone
SELECT id, title FROM posts WHERE user_id = ? ORDER BY id LIMIT 1;
