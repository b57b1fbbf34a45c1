-- name: CreateUser :one
INSERT INTO users (email, name, is_admin, birthday, meta, avatar, balance, status, score)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *;

-- name: GetUser :one
SELECT * FROM users WHERE id = ?1;

-- name: GetUserByEmail :one
SELECT id, email, name FROM users WHERE email = :email;

-- name: ListUsers :many
SELECT * FROM users ORDER BY id LIMIT @lim OFFSET @off;

-- name: UpsertUser :one
INSERT INTO users (email, name) VALUES ($email, $name)
ON CONFLICT (email) DO UPDATE SET name = excluded.name RETURNING id, email, name;

-- name: InsertIgnored :one
INSERT INTO users (email, name) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING id;

-- name: UsersByIds :many
SELECT id, email FROM users WHERE id IN (sqlc.slice(ids)) ORDER BY id;

-- name: UsersBornOn :many
SELECT id FROM users WHERE birthday IN (sqlc.slice(days)) AND status NOT IN (sqlc.slice(statuses)) ORDER BY id;

-- name: SearchUsers :many
SELECT id, email, name, score FROM users
WHERE is_admin = sqlc.optional(is_admin)
  AND name LIKE sqlc.optional(name_like)
  AND status = sqlc.optional(status)
  AND balance >= sqlc.optional(min_balance)
ORDER BY sqlc.sort(order_by, email, score, created_at, balance), id;

-- name: UserStats :one
SELECT count(*) AS n, sum(score) AS s, avg(score) AS a, total(score) AS t,
       group_concat(email, ',') AS emails, json_group_array(email) AS arr,
       max(created_at) AS newest, min(birthday) AS oldest_birthday, max(balance) AS max_balance,
       sum(is_admin) AS admins
FROM users;

-- name: UserFacts :many
SELECT id,
       CASE WHEN is_admin THEN 'admin' ELSE 'user' END AS role,
       COALESCE(name, email) AS display,
       IFNULL(score, 0.0) AS score0,
       NULLIF(name, '') AS nonempty,
       IIF(score > 10, 1, 0) AS big,
       name_len,
       datetime(created_at, '+1 day') AS tomorrow,
       date(created_at) AS created_on,
       strftime('%Y', created_at) AS year,
       julianday(birthday) AS birthday_jd,
       unixepoch(created_at) AS epoch,
       meta ->> '$.x' AS meta_x,
       length(avatar) AS avatar_len,
       typeof(balance) AS balance_type,
       balance * 2 AS double_balance,
       birthday,
       upper(email) AS shout,
       abs(score) AS abs_score,
       round(score, 1) AS rounded
FROM users ORDER BY id;

-- name: UsersLike :many
SELECT id FROM users WHERE email LIKE ? OR name GLOB ? ORDER BY id;

-- name: UsersWithPostCount :many
SELECT u.id, u.email, (SELECT count(*) FROM posts p WHERE p.user_id = u.id) AS n,
       EXISTS (SELECT 1 FROM posts p WHERE p.user_id = u.id) AS has_posts
FROM users u ORDER BY u.id;

-- name: UserWindow :many
SELECT id, row_number() OVER (ORDER BY id) AS rn,
       rank() OVER (PARTITION BY status ORDER BY score DESC) AS rk,
       lag(score) OVER (ORDER BY id) AS prev_score,
       sum(score) OVER (ORDER BY id) AS running,
       ntile(2) OVER (ORDER BY id) AS half,
       percent_rank() OVER (ORDER BY id) AS pr
FROM users ORDER BY id;

-- name: Counting :many
WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM cnt WHERE x < ?)
SELECT x FROM cnt;

-- name: SetProfile :execrows
UPDATE users SET meta = ?, avatar = ?, balance = ?, birthday = ? WHERE id = ?;

-- name: BanUsers :execrows
UPDATE users SET status = 'banned' WHERE score < ? RETURNING id;

-- name: AddUserLastId :execlastid
INSERT OR IGNORE INTO users (email) VALUES (?);

-- name: AddUserResult :execresult
INSERT OR IGNORE INTO users (email) VALUES (?) RETURNING id;

-- name: DeleteUser :exec
DELETE FROM users WHERE id = ?;
