-- Named working directories are gone from the product: each thread now has
-- its own directory (000004).
DROP INDEX idx_working_directories_channel_id;
-- codegen: allow drop-table reason="contract step: named working directories left the product in 000004 and no query reads the table"
DROP TABLE working_directories;
