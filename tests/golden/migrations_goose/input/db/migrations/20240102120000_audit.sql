-- +goose Up
-- +goose StatementBegin
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    delta INTEGER NOT NULL
);
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER accounts_audit AFTER UPDATE OF balance ON accounts
BEGIN
    INSERT INTO audit (account_id, delta) VALUES (new.id, new.balance - old.balance);
    UPDATE accounts SET name = trim(new.name) WHERE id = new.id;
END;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP TRIGGER accounts_audit;
-- +goose StatementEnd
DROP TABLE audit;
ALTER TABLE accounts ADD COLUMN from_down_section TEXT;
