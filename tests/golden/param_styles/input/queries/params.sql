-- name: Anonymous :many
SELECT id FROM events WHERE name = ? AND capacity > ?;

-- ?2 comes first in the text but is the second argument; ?1 is used twice.
-- name: Numbered :many
SELECT id FROM events WHERE venue = ?2 AND capacity >= ?1 AND capacity <= ?1 * 2;

-- name: ColonNamed :many
SELECT id FROM events WHERE name = :name OR venue = :name;

-- name: AtNamed :many
SELECT id FROM events WHERE capacity BETWEEN @low AND @high;

-- name: DollarNamed :many
SELECT id FROM events WHERE starts_at > $after ORDER BY starts_at LIMIT $max_rows;

-- name: SqlcArg :execrows
UPDATE events SET venue = sqlc.arg(new_venue) WHERE venue = sqlc.arg('old_venue');

-- name: SqlcNarg :many
SELECT id FROM events WHERE venue = COALESCE(sqlc.narg(venue), venue);

-- name: SqlcSlice :many
SELECT id, name FROM events WHERE id IN (sqlc.slice(ids)) AND name NOT IN (sqlc.slice("excluded")) ORDER BY id;

-- A parameter takes the name of what it is compared with; repeats get _2.
-- name: Inferred :many
SELECT id FROM events WHERE starts_at >= ? AND starts_at < ? AND id <> ?;

-- name: Mixed :many
SELECT id FROM events WHERE name = :name AND capacity > ? AND venue = @venue;
