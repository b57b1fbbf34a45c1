CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    venue TEXT,
    capacity INTEGER NOT NULL DEFAULT 0,
    starts_at DATETIME NOT NULL
);
