CREATE TABLE IF NOT EXISTS samples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code CHAR(255) NOT NULL,
    flag BOOLEAN(2) NOT NULL DEFAULT 0,
    maybe_flag BOOL,
    day DATE,
    seen_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    stamp TIMESTAMP,
    at_time TIME,
    price DECIMAL(10, 2),
    amount NUMERIC,
    payload JSON,
    ratio REAL NOT NULL DEFAULT 1.0,
    precise DOUBLE PRECISION,
    approx FLOAT,
    raw BLOB,
    anything,
    label VARYING CHARACTER(10),
    big UNSIGNED BIG INT,
    note CLOB,
    kind TEXT NOT NULL CHECK (kind IN ('small', 'large')),
    mood TEXT CHECK (length(mood) > 0 AND mood IN ('happy', 'sad')),
    level TEXT NOT NULL DEFAULT 'low',
    CHECK (level IN ('low', 'high'))
);

-- Repeating the definition with IF NOT EXISTS changes nothing.
CREATE TABLE IF NOT EXISTS samples (id INTEGER PRIMARY KEY);

CREATE TABLE kv (
    k TEXT PRIMARY KEY,
    v BLOB NOT NULL,
    n INTEGER
) STRICT, WITHOUT ROWID;

CREATE TABLE counters (
    name TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (name)
) WITHOUT ROWID;

CREATE TABLE strict_only (id INTEGER PRIMARY KEY, data ANY, score REAL NOT NULL) STRICT;
