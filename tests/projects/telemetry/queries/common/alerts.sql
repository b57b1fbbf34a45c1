-- name: RaiseAlert :one
INSERT INTO alerts (device_id, severity, quiet_from, threshold) VALUES (@device_id, @severity, @quiet_from, @threshold)
RETURNING *;

-- name: AcknowledgeAlerts :execrows
UPDATE alerts SET acknowledged = TRUE WHERE device_id = @device_id AND severity = @severity;

-- name: OpenAlerts :many
SELECT alerts.id, alerts.severity, alerts.raised_at, devices.serial
FROM alerts LEFT JOIN devices ON devices.id = alerts.device_id
WHERE NOT alerts.acknowledged
ORDER BY alerts.raised_at DESC, alerts.id;

-- name: AlertsAbove :many
SELECT id, threshold FROM alerts WHERE threshold > @threshold ORDER BY id;

-- name: AlertCounts :many
SELECT severity, COUNT(*) AS n FROM alerts GROUP BY severity ORDER BY severity;
