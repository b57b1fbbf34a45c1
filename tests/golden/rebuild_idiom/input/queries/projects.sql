-- name: GetProject :one
SELECT * FROM projects WHERE id = ?;

-- name: ArchiveProject :execrows
UPDATE projects SET archived = TRUE WHERE id = ?;

-- name: CreateProject :execlastid
INSERT INTO projects (name, owner) VALUES (?, ?);
