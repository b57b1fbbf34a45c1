-- name: LogAlert :execlastid
INSERT INTO alerts (device_id, severity, payload) VALUES (?1, ?2, ?3);

-- name: RawPayloads :many
SELECT id, payload FROM alerts WHERE payload IS NOT NULL ORDER BY id;

-- name: ReadingsBetween :many
SELECT device_id, value FROM readings WHERE taken_at >= :start AND taken_at < :start + 3600 ORDER BY device_id;
