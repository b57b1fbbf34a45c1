-- case: triggers
-- file: schema/001_init.sql
CREATE TABLE blobs (id INTEGER PRIMARY KEY, data);

-- file: queries/blobs.sql
-- name: GetData :one
SELECT data FROM blobs WHERE id = @id;
-- case: passes
-- file: schema/001_init.sql
CREATE TABLE blobs (id INTEGER PRIMARY KEY, data);

-- file: queries/blobs.sql
-- name: GetData :one
SELECT CAST(data AS TEXT) AS data FROM blobs WHERE id = @id;
