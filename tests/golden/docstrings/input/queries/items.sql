-- This comment is separated by a blank line: it is not a docstring.

-- Fetch one item by id.
-- name: GetItem :one
SELECT * FROM items WHERE id = ?;

-- Several lines of explanation:
--   indented detail is kept,
--
-- and so are paragraphs.
-- name: ListItems :many
SELECT * FROM items ORDER BY id;

-- name: CountItems :one
-- A comment right below the header documents too.
SELECT COUNT(*) AS n FROM items;

-- Quotes """ and back\slashes must not break the docstring "
-- name: Tricky :exec
DELETE FROM items WHERE name = 'a -- not a comment' AND id = ?;

/* name: BlockHeader :many */
SELECT id FROM items;

-- name: NoDoc :exec
DELETE FROM items;
