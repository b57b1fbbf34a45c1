-- name: RecordReadings :copyfrom
INSERT INTO readings (device_id, taken_at, value, quality, note) VALUES (@device_id, @taken_at, @value, @quality, @note);

-- name: RecordReading :batchexec
INSERT INTO readings (device_id, taken_at, value, quality) VALUES (@device_id, @taken_at, @value, sqlc.narg(quality))
ON CONFLICT (device_id, taken_at) DO NOTHING;

-- name: LatestReading :batchone
SELECT taken_at, value FROM readings WHERE device_id = @device_id ORDER BY taken_at DESC LIMIT 1;

-- name: ReadingsWindow :batchmany
SELECT taken_at, value, quality FROM readings WHERE device_id = @device_id AND taken_at BETWEEN @start_at AND @end_at ORDER BY taken_at;

-- name: DeviceStats :many
SELECT device_id, COUNT(*) AS n, AVG(value) AS mean, MIN(value) AS low, MAX(value) AS high
FROM readings GROUP BY device_id ORDER BY device_id;

-- name: ReadingsWithDevice :many
SELECT sqlc.embed(readings), sqlc.embed(devices)
FROM readings JOIN devices ON devices.id = readings.device_id
WHERE readings.value > @min_value
ORDER BY readings.device_id, readings.taken_at
LIMIT 50;

-- name: PruneReadings :execrows
DELETE FROM readings WHERE taken_at < @before;

-- name: NotedReadings :many
SELECT device_id, taken_at, note FROM readings WHERE note IS NOT NULL AND quality NOT IN (sqlc.slice(bad_qualities)) ORDER BY device_id, taken_at;
