-- Named working directories are gone from the product: each thread now has
-- its own directory (000004).
DROP INDEX idx_working_directories_channel_id;
DROP TABLE working_directories;
