-- +goose Up
CREATE TYPE severity AS ENUM ('info', 'warning', 'critical');
CREATE TABLE readings (
    device_id integer NOT NULL REFERENCES devices (id),
    taken_at bigint NOT NULL,
    value double precision NOT NULL,
    quality smallint,
    note text,
    samples real[],
    PRIMARY KEY (device_id, taken_at)
);

CREATE TABLE alerts (
    id bigserial PRIMARY KEY,
    device_id integer NOT NULL REFERENCES devices (id),
    severity severity NOT NULL DEFAULT 'info',
    raised_at timestamptz NOT NULL DEFAULT now(),
    quiet_from time,
    threshold numeric(8, 3),
    acknowledged boolean NOT NULL DEFAULT false,
    payload json,
    snooze interval
);
-- +goose Down
DROP TABLE alerts;
DROP TABLE readings;
DROP TYPE severity;
