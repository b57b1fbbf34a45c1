-- Named working directories are gone from the product: each thread now has
-- its own directory (000004).
-- codegen: allow pg-lock-timeout reason="nothing has used working_directories since 000004, so no query holds or waits on its locks"
DROP INDEX idx_working_directories_channel_id;
-- codegen: allow drop-table reason="contract step: named working directories left the product in 000004 and no query reads the table"
DROP TABLE working_directories;
