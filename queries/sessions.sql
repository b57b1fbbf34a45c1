-- name: GetSession :one
SELECT * FROM sessions
WHERE session_id = @session_id
LIMIT 1;

-- The session to resume: the thread's most recently ended completed session.
-- One without an end time is never resumed (the Go service checks the same).
-- name: GetLatestCompletedSessionByThread :one
SELECT * FROM sessions
WHERE thread_id = @thread_id AND status = 'completed' AND ended_at IS NOT NULL
ORDER BY ended_at DESC, id DESC
LIMIT 1;

-- name: GetActiveSessionByThread :one
SELECT * FROM sessions
WHERE thread_id = @thread_id AND status = 'active'
ORDER BY started_at DESC NULLS LAST, id DESC
LIMIT 1;

-- name: CreateSession :one
INSERT INTO sessions (thread_id, session_id, model)
VALUES (@thread_id, @session_id, @model)
RETURNING *;

-- A session as the Go service starts one: under a provisional id (renamed by
-- UpdateSessionID once Claude reports the real one), with the prompt it was
-- started with (NULL when there was none).
-- name: CreateSessionWithInitialPrompt :one
INSERT INTO sessions (thread_id, session_id, model, initial_prompt)
VALUES (@thread_id, @session_id, @model, @initial_prompt)
RETURNING *;

-- How a session ended with a result (completed, or failed when the result
-- was an error): the end time and the usage figures, as the Go service
-- records them.
-- name: UpdateSessionStatus :execrows
UPDATE sessions
SET status = @status,
    ended_at = CURRENT_TIMESTAMP,
    total_cost_usd = @total_cost_usd,
    input_tokens = @input_tokens,
    output_tokens = @output_tokens,
    duration_ms = @duration_ms,
    num_turns = @num_turns
WHERE session_id = @session_id;

-- How a session ended without a result: a start whose process never ran
-- ('failed'), an idle session closed ('timeout'). Usage figures stay as they are.
-- name: UpdateSessionEndTime :execrows
UPDATE sessions
SET status = @status,
    ended_at = CURRENT_TIMESTAMP
WHERE session_id = @session_id;

-- Record how a session ended. A NULL model keeps the one already stored.
-- name: UpdateSessionOnComplete :execrows
UPDATE sessions
SET status = @status,
    ended_at = CURRENT_TIMESTAMP,
    total_cost_usd = @total_cost_usd,
    input_tokens = @input_tokens,
    output_tokens = @output_tokens,
    duration_ms = @duration_ms,
    num_turns = @num_turns,
    model = COALESCE(sqlc.narg(model), model)
WHERE session_id = @session_id;

-- name: UpdateSessionModel :execrows
UPDATE sessions
SET model = @model
WHERE session_id = @session_id;

-- Replace a provisional session id with the real one once Claude reports it.
-- name: UpdateSessionID :execrows
UPDATE sessions
SET session_id = sqlc.arg(new_session_id)
WHERE session_id = sqlc.arg(old_session_id);

-- name: ListActiveSessions :many
SELECT * FROM sessions
WHERE status = 'active'
ORDER BY started_at DESC NULLS LAST, id DESC;

-- name: CountActiveSessionsByThread :one
SELECT COUNT(*) AS active_sessions FROM sessions
WHERE thread_id = @thread_id AND status = 'active';

-- Newest first.
-- name: ListSessions :many
SELECT * FROM sessions
ORDER BY started_at DESC NULLS LAST, id DESC;

-- name: ListSessionsByThreadID :many
SELECT * FROM sessions
WHERE thread_id = @thread_id
ORDER BY started_at DESC NULLS LAST, id DESC;

-- name: ListSessionsPaginated :many
SELECT * FROM sessions
ORDER BY started_at DESC NULLS LAST, id DESC
LIMIT @limit OFFSET @offset;
