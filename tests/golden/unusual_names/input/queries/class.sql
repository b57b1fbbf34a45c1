-- name: GetItem :one
SELECT * FROM "order items" WHERE id = ?;

-- name: ItemsFrom :many
SELECT id, "class", "from" FROM "order items" WHERE "from" = :from AND "class" = ?;

-- Two result columns named id, two named class.
-- name: SelfJoin :many
SELECT a.id, b.id, a."class", b."class", a."café" AS "café" FROM "order items" a JOIN "order items" b ON a."from" = b."class";

-- name: Import :execlastid
INSERT INTO "order items" ("class", "from", "import", "unit price", "café", [count], `None`, conn)
VALUES (?, ?, ?, ?, ?, ?, ?, ?);
