-- migrate:up
CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    label TEXT NOT NULL
);

-- migrate:down
DROP TABLE tags;
