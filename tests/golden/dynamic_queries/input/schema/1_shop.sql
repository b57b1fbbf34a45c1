CREATE TABLE shops (
  id INTEGER PRIMARY KEY,
  city TEXT NOT NULL
);

CREATE TABLE items (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  price INTEGER NOT NULL,
  category TEXT,
  shop_id INTEGER REFERENCES shops (id)
);

CREATE INDEX items_category ON items (category);
