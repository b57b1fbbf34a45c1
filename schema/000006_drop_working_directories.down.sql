-- Recreate the table and its index, EMPTY: the rows 000006 dropped are not
-- recoverable from this database (restore them from the backup the migration
-- runner wrote next to the database file before migrating, if needed).
CREATE TABLE working_directories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id TEXT NOT NULL,
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    UNIQUE(channel_id, name)
);

CREATE INDEX idx_working_directories_channel_id ON working_directories(channel_id);
