-- name: Borrow :one
INSERT INTO loans (book_id, member, due_on, pickup_time, fee) VALUES (@book_id, @member, @due_on, @pickup_time, @fee)
RETURNING id, borrowed_at, due_on;

-- name: ReturnBook :execrows
UPDATE loans SET returned_at = @returned_at WHERE id = @id AND returned_at IS NULL;

-- name: OpenLoans :many
SELECT loans.id, loans.member, loans.due_on, books.title
FROM loans JOIN books ON books.id = loans.book_id
WHERE loans.returned_at IS NULL
ORDER BY loans.due_on, loans.id;

-- name: OverdueLoans :many
SELECT id, member, due_on FROM loans WHERE returned_at IS NULL AND due_on < @today ORDER BY id;

-- name: LoanWithBook :one
SELECT sqlc.embed(loans), sqlc.embed(books) FROM loans JOIN books ON books.id = loans.book_id WHERE loans.id = @id;

-- name: MemberFees :many
SELECT member, SUM(fee) AS total_fee, COUNT(*) AS loans FROM loans GROUP BY member ORDER BY member;

-- name: LoansOfBooks :many
SELECT id, book_id, member FROM loans WHERE book_id IN (sqlc.slice(book_ids)) ORDER BY id;
