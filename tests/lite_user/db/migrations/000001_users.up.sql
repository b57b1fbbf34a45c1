CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT,
    is_admin BOOLEAN NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    birthday DATE,
    meta JSON,
    avatar BLOB,
    balance DECIMAL(12, 2) NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'banned', 'deleted')),
    score REAL,
    name_len INTEGER GENERATED ALWAYS AS (length(name)) VIRTUAL
);
CREATE TABLE tags (
    name TEXT PRIMARY KEY,
    color TEXT
) WITHOUT ROWID;
