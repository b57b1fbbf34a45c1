CREATE TABLE authors (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    born DATE,
    bio CLOB,
    photo BLOB,
    country CHAR(2)
);

CREATE TABLE books (
    id INTEGER PRIMARY KEY,
    author_id INTEGER REFERENCES authors (id),
    isbn VARCHAR(17) NOT NULL UNIQUE,
    title TEXT NOT NULL,
    pages INTEGER,
    rating DOUBLE,
    published DATE,
    genre TEXT CHECK (genre IN ('fiction', 'science', 'history')),
    available BOOLEAN NOT NULL DEFAULT 1,
    metadata JSON
);
