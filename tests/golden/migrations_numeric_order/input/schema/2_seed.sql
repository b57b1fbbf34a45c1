INSERT INTO settings (key, value) VALUES ('version', '2');
