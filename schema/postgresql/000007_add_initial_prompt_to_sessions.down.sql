-- Sessions lose their initial prompts (take a pg_dump first if they matter).
ALTER TABLE sessions DROP COLUMN initial_prompt;
