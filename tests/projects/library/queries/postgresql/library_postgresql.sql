-- name: AuthorByUid :one
SELECT id, name, uid FROM authors WHERE uid = $1;

-- name: BooksWithKeyword :many
SELECT id, title, keywords FROM books WHERE $1::varchar = ANY(keywords) ORDER BY id;

-- name: SetGenres :execrows
UPDATE books SET genres = $1 WHERE id = $2;

-- name: BookGenres :many
SELECT id, genres FROM books WHERE genres IS NOT NULL ORDER BY id;

-- name: LongLoans :many
SELECT id, loan_period FROM loans WHERE loan_period > $1 ORDER BY id;

-- name: SetLoanPeriod :exec
UPDATE loans SET loan_period = $1 WHERE id = $2;

-- name: UpsertAuthorMeta :execrows
UPDATE books SET metadata = $1 WHERE id = $2;
