-- migrate:up
ALTER TABLE tags ADD COLUMN color TEXT NOT NULL DEFAULT 'grey' CHECK (color IN ('grey', 'red', 'green'));
-- migrate:down
ALTER TABLE tags DROP COLUMN color;
CREATE TABLE not_in_schema (id INTEGER);
