-- +goose Up
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    balance INTEGER NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE accounts;
