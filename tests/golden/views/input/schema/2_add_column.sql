-- Added after all_orders was created: SQLite expands the view's * at each use.
ALTER TABLE orders ADD COLUMN currency TEXT NOT NULL DEFAULT 'EUR';
