-- name: Sizes :many
SELECT * FROM "Größe" ORDER BY id;

-- name: From :one
SELECT "naïve wert" FROM "Größe" WHERE id = ?;

-- name: AddSize :execlastid
INSERT INTO "Größe" ("naïve wert") VALUES (?);
