CREATE TABLE loans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    book_id INTEGER NOT NULL REFERENCES books (id),
    member TEXT NOT NULL,
    borrowed_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    due_on DATE NOT NULL,
    returned_at DATETIME,
    pickup_time TIME,
    fee NUMERIC
);
CREATE INDEX loans_book ON loans (book_id);
