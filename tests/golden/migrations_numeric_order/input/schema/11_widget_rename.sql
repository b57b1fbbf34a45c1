ALTER TABLE widgets RENAME COLUMN color TO colour;
