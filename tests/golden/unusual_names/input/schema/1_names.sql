-- Written with CRLF line endings.
CREATE TABLE "order items" (
    id INTEGER PRIMARY KEY,
    "class" TEXT NOT NULL,
    "from" TEXT,
    "import" INTEGER NOT NULL DEFAULT 0,
    "unit price" REAL NOT NULL,
    "café" TEXT,
    [count] INTEGER,
    `None` TEXT,
    conn TEXT
);
CREATE TABLE "Größe" (id INTEGER PRIMARY KEY, "naïve wert" TEXT NOT NULL);
