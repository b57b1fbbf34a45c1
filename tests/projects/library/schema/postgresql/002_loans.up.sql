CREATE TABLE loans (
    id bigserial PRIMARY KEY,
    book_id integer NOT NULL REFERENCES books (id),
    member text NOT NULL,
    borrowed_at timestamptz NOT NULL DEFAULT now(),
    due_on date NOT NULL,
    returned_at timestamptz,
    pickup_time time,
    fee numeric,
    loan_period interval
);
CREATE INDEX loans_book ON loans (book_id);
