-- Fetch one thread by its Slack coordinates.
-- name: GetThread :one
SELECT * FROM threads
WHERE channel_id = @channel_id AND thread_ts = @thread_ts
LIMIT 1;

-- name: GetThreadByID :one
SELECT * FROM threads
WHERE id = @id
LIMIT 1;

-- Create a thread; fails if the thread already exists.
-- name: CreateThread :one
INSERT INTO threads (channel_id, thread_ts, working_directory)
VALUES (@channel_id, @thread_ts, @working_directory)
RETURNING *;

-- Get or create a thread in one atomic statement. An existing thread keeps
-- the working directory it was created with; only updated_at moves.
-- name: GetOrCreateThread :one
INSERT INTO threads (channel_id, thread_ts, working_directory)
VALUES (@channel_id, @thread_ts, @working_directory)
ON CONFLICT (channel_id, thread_ts) DO UPDATE SET updated_at = CURRENT_TIMESTAMP
RETURNING *;

-- name: UpdateThreadTimestamp :exec
UPDATE threads
SET updated_at = CURRENT_TIMESTAMP
WHERE id = @id;

-- Threads with the most recent activity first.
-- name: ListThreads :many
SELECT * FROM threads
ORDER BY updated_at DESC NULLS LAST, id DESC;

-- A page of threads, most recent activity first, each with the prompt its
-- first session was started with (NULL without sessions or prompt), as the
-- Go service's web console lists them.
-- name: ListThreadsPaginated :many
SELECT t.*, s.initial_prompt AS first_session_prompt
FROM threads AS t
LEFT JOIN (
    SELECT thread_id, initial_prompt,
           ROW_NUMBER() OVER (PARTITION BY thread_id ORDER BY started_at ASC, id ASC) AS rn
    FROM sessions
) AS s ON s.thread_id = t.id AND s.rn = 1
ORDER BY t.updated_at DESC NULLS LAST, t.id DESC
LIMIT @limit OFFSET @offset;
