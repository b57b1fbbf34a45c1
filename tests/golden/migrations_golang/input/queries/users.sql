-- name: GetUser :one
SELECT * FROM users WHERE id = ?;

-- name: ListPostsByUser :many
SELECT posts.id, posts.body, users.email
FROM posts
JOIN users ON users.id = posts.user_id
WHERE users.id = ?
ORDER BY posts.id;
