-- Back to threads without a working directory (the 000001 shape).
--
-- Lossless as long as sessions still carry their directories (they do at this
-- version: 000005's down migration gives every session its thread's
-- directory). Only a thread with no session at all loses its directory; it
-- comes back as '/tmp' when migrating up again.
ALTER TABLE threads DROP COLUMN working_directory;
