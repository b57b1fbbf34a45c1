-- name: GetDevice :one
SELECT * FROM devices WHERE id = @id;

-- name: DeviceBySerial :one
SELECT id, serial, kind, enabled FROM devices WHERE serial = sqlc.arg(serial);

-- name: RegisterDevice :one
INSERT INTO devices (serial, kind, installed_on, firmware, secret)
VALUES (@serial, @kind, sqlc.narg(installed_on), @firmware, sqlc.narg(secret))
ON CONFLICT (serial) DO UPDATE SET firmware = excluded.firmware
RETURNING id, serial, firmware;

-- name: TouchDevice :execrows
UPDATE devices SET last_seen = @seen_at WHERE id = @id;

-- name: DisableDevices :execrows
UPDATE devices SET enabled = FALSE WHERE id IN (sqlc.slice(ids));

-- name: DevicesOfKind :many
SELECT id, serial, last_seen FROM devices WHERE kind = @kind AND enabled = @enabled ORDER BY id;

-- name: SilentSince :many
SELECT id, serial FROM devices WHERE last_seen IS NULL OR last_seen < @cutoff ORDER BY id;

-- name: FirmwareSpread :one
SELECT MIN(firmware) AS oldest, MAX(firmware) AS newest, COUNT(*) AS devices FROM devices;

-- name: DeviceConfig :one
SELECT config FROM devices WHERE id = @id;

-- name: ForgetDevice :execresult
DELETE FROM devices WHERE id = @id AND NOT EXISTS (SELECT 1 FROM readings WHERE readings.device_id = devices.id);
