-- +goose Up
CREATE TABLE devices (
    id INTEGER PRIMARY KEY,
    serial TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('sensor', 'gateway', 'camera')),
    installed_on DATE,
    last_seen TIMESTAMP,
    firmware BIGINT NOT NULL DEFAULT 1,
    config JSON,
    secret BLOB,
    enabled BOOLEAN NOT NULL DEFAULT TRUE
);
-- +goose Down
DROP TABLE devices;
