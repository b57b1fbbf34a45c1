-- +goose Up
CREATE TABLE readings (
    device_id INTEGER NOT NULL REFERENCES devices (id),
    taken_at INTEGER NOT NULL,
    value REAL NOT NULL,
    quality INTEGER,
    note TEXT,
    PRIMARY KEY (device_id, taken_at)
) WITHOUT ROWID;

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id INTEGER NOT NULL REFERENCES devices (id),
    severity TEXT NOT NULL DEFAULT 'info' CHECK (severity IN ('info', 'warning', 'critical')),
    raised_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    quiet_from TIME,
    threshold DECIMAL(8, 3),
    acknowledged BOOLEAN NOT NULL DEFAULT FALSE,
    payload
);
-- +goose Down
DROP TABLE alerts;
DROP TABLE readings;
