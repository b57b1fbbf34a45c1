-- name: SetSamples :execrows
UPDATE readings SET samples = $1 WHERE device_id = $2 AND taken_at = $3;

-- name: SampleSets :many
SELECT device_id, taken_at, samples FROM readings WHERE samples IS NOT NULL ORDER BY device_id, taken_at;

-- name: SnoozeAlert :exec
UPDATE alerts SET snooze = $1 WHERE id = $2;

-- name: DeviceByUid :one
SELECT id, serial FROM devices WHERE uid = $1;

-- name: AlertPayloads :many
SELECT id, payload FROM alerts WHERE payload IS NOT NULL ORDER BY id;

-- name: SetDeviceConfig :execrows
UPDATE devices SET config = $1 WHERE id = $2;
