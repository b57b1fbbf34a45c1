-- name: SearchArticles :many
SELECT articles.id, articles.title, articles_fts.rank
FROM articles_fts
JOIN articles ON articles.id = articles_fts.rowid
WHERE articles_fts MATCH ?
ORDER BY articles_fts.rank;

-- name: Snippets :many
SELECT rowid, title FROM articles_fts WHERE articles_fts MATCH sqlc.arg(query) LIMIT sqlc.arg(max_rows);

-- name: AddArticle :execlastid
INSERT INTO articles (title, body) VALUES (?, ?);

-- name: GetArticle :one
SELECT * FROM articles WHERE id = ?;
