CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    user_id INTEGER REFERENCES users(id),
    at TIMESTAMPTZ NOT NULL,
    at_time TIME,
    kind TEXT NOT NULL CHECK (kind IN ('click', 'view')),
    payload JSONB NOT NULL DEFAULT '{}',
    amount NUMERIC
);
