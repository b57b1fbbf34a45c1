CREATE TYPE genre AS ENUM ('fiction', 'science', 'history');

CREATE TABLE authors (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    born date,
    bio text,
    photo bytea,
    country char(2),
    uid uuid NOT NULL DEFAULT gen_random_uuid()
);

CREATE TABLE books (
    id serial PRIMARY KEY,
    author_id integer REFERENCES authors (id),
    isbn varchar(17) NOT NULL UNIQUE,
    title text NOT NULL,
    pages integer,
    rating double precision,
    published date,
    genre genre,
    available boolean NOT NULL DEFAULT true,
    metadata jsonb,
    keywords varchar(40)[],
    genres genre[]
);
