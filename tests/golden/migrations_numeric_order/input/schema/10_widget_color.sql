-- Runs after 9_widgets.sql: by name it would sort first and find no table widgets.
ALTER TABLE widgets ADD COLUMN color TEXT;
