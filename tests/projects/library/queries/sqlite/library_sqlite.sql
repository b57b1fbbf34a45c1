-- name: AddLoanRowid :execlastid
INSERT INTO loans (book_id, member, due_on) VALUES (?1, ?2, ?3);

-- name: BooksPublishedIn :many
SELECT id, title FROM books WHERE substr(published, 1, 4) = :year ORDER BY id;

-- name: PickupsAfter :many
SELECT id, pickup_time FROM loans WHERE pickup_time > ?1 ORDER BY id;
