-- name: GetBook :one
SELECT * FROM books WHERE isbn = @isbn;

-- name: BooksWithAuthors :many
SELECT sqlc.embed(books), sqlc.embed(authors)
FROM books LEFT JOIN authors ON authors.id = books.author_id
WHERE books.available = @available
ORDER BY books.id;

-- name: CreateBook :one
INSERT INTO books (author_id, isbn, title, pages, rating, published, genre)
VALUES (sqlc.narg(author_id), @isbn, @title, @pages, @rating, @published, @genre)
RETURNING *;

-- name: ImportBooks :copyfrom
INSERT INTO books (isbn, title, pages, rating, genre, available) VALUES (@isbn, @title, @pages, @rating, @genre, @available);

-- name: SetAvailable :batchexec
UPDATE books SET available = @available WHERE id = @id;

-- name: BooksByGenre :batchmany
SELECT id, title, rating FROM books WHERE genre = @genre ORDER BY id;

-- name: BestRatedInGenre :batchone
SELECT id, title, rating FROM books WHERE genre = @genre AND rating IS NOT NULL ORDER BY rating DESC, id LIMIT 1;

-- name: AverageRating :one
SELECT AVG(rating) AS average, MIN(pages) AS fewest_pages, MAX(published) AS latest FROM books;

-- name: GenreCounts :many
SELECT genre, COUNT(*) AS books, SUM(pages) AS pages FROM books GROUP BY genre ORDER BY genre;

-- name: SearchTitles :many
SELECT id, title FROM books WHERE title LIKE @pattern ORDER BY id LIMIT 10;

-- name: BookMetadata :one
SELECT metadata FROM books WHERE id = @id;

-- name: RateBook :execresult
UPDATE books SET rating = CASE WHEN rating IS NULL THEN @rating ELSE (rating + @rating) / 2 END WHERE id = @id;
