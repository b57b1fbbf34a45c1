-- Sessions lose their initial prompts (take them from the backup the
-- migration runner wrote before migrating, if needed). threads keeps the
-- Go release's column order: it is also what 000004 builds.
ALTER TABLE sessions DROP COLUMN initial_prompt;
