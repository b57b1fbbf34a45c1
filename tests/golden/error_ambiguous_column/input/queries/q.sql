-- name: Members :many
SELECT users.id, name
FROM users
JOIN teams ON teams.id = users.id;
