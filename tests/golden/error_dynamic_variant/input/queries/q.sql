-- name: Sorted :many
SELECT id FROM items WHERE category = sqlc.optional(category)
ORDER BY sqlc.sort(order_by, price, name) ASC, id;

-- SQLite reads `FROM items ON CONFLICT` as a join: without the filter's WHERE this does not parse.
-- name: Pick :exec
INSERT INTO shops (id, city)
SELECT id, name FROM items WHERE category = sqlc.optional(category)
ON CONFLICT DO NOTHING;
