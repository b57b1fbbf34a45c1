-- name: GetAuthor :one
SELECT * FROM authors WHERE id = @id;

-- name: ListAuthors :many
SELECT id, name, born FROM authors ORDER BY name, id LIMIT sqlc.arg(page_size) OFFSET sqlc.arg(page_offset);

-- name: CreateAuthor :one
INSERT INTO authors (name, born, bio, photo, country) VALUES (@name, @born, sqlc.narg(bio), @photo, @country)
RETURNING id, name;

-- name: UpdateAuthorBio :execrows
UPDATE authors SET bio = sqlc.narg(bio) WHERE id = sqlc.arg(id);

-- name: DeleteAuthor :exec
DELETE FROM authors WHERE id = @id;

-- name: AuthorsBornAfter :many
SELECT name, born FROM authors WHERE born > @after ORDER BY born;

-- name: AuthorPhoto :one
SELECT photo FROM authors WHERE id = @id;

-- name: AuthorsByCountry :many
SELECT id, name, country FROM authors WHERE country IN (sqlc.slice(countries)) ORDER BY id;
