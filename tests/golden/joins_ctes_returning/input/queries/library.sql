-- name: AuthorsWithBooks :many
SELECT a.id, a.name, b.id AS book_id, b.title
FROM authors AS a
LEFT JOIN books AS b ON b.author_id = a.id
ORDER BY a.id, b.id;

-- name: BooksWithAuthors :many
SELECT a.name AS author, b.title
FROM authors AS a
RIGHT JOIN books AS b ON b.author_id = a.id;

-- name: EveryPairing :many
SELECT a.name, b.title
FROM authors AS a
FULL OUTER JOIN books AS b ON b.author_id = a.id;

-- name: InnerPairing :many
SELECT a.name, b.title FROM authors a INNER JOIN books b ON b.author_id = a.id;

-- name: UsingJoin :many
SELECT id, name, title FROM authors JOIN (SELECT author_id AS id, title FROM books) USING (id);

-- name: BookCounts :many
WITH counts AS (
    SELECT author_id, COUNT(*) AS n, AVG(rating) AS avg_rating
    FROM books
    GROUP BY author_id
)
SELECT authors.name, counts.n, counts.avg_rating
FROM authors
LEFT JOIN counts ON counts.author_id = authors.id
ORDER BY authors.name;

-- name: CountDown :many
WITH RECURSIVE n(x) AS (
    SELECT sqlc.arg(start)
    UNION ALL
    SELECT x - 1 FROM n WHERE x > 0
)
SELECT x FROM n;

-- name: AddBook :one
INSERT INTO books (author_id, title, rating) VALUES (?, ?, ?)
RETURNING id, title, rating;

-- name: RateBook :one
UPDATE books SET rating = ? WHERE id = ? RETURNING *;

-- name: DeleteAuthorBooks :many
DELETE FROM books WHERE author_id = ? RETURNING id;

-- name: AuthorBookRows :many
SELECT sqlc.embed(authors), sqlc.embed(books)
FROM authors
LEFT JOIN books ON books.author_id = authors.id
ORDER BY authors.id, books.id;

-- name: BestBook :one
SELECT title, (SELECT name FROM authors WHERE authors.id = books.author_id) AS author
FROM books
ORDER BY rating DESC
LIMIT 1;
