-- name: Deposit :execrows
UPDATE accounts SET balance = balance + ? WHERE id = ?;

-- name: History :many
SELECT accounts.name, audit.delta
FROM audit
JOIN accounts ON accounts.id = audit.account_id
WHERE audit.account_id = ?
ORDER BY audit.id;
