-- Trajectory texts stay out of line but uncompressed: PostgreSQL 14's default (pglz) compression of
-- every record on insert held import throughput to about 16 MB/s on our 2-core machines; without it
-- the same upload runs at about 26 MB/s (docs/performance.md), for roughly twice the disk.
ALTER TABLE trajectory
    ALTER COLUMN raw_record SET STORAGE EXTERNAL,
    ALTER COLUMN calls SET STORAGE EXTERNAL;
