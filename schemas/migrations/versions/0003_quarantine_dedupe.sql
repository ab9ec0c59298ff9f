-- 0003: a file line quarantined twice (re-running an ingest) is kept once.

ALTER TABLE ingest_quarantine ADD COLUMN raw_sha256 char(64);
CREATE UNIQUE INDEX ingest_quarantine_file_line_once
    ON ingest_quarantine (raw_sha256, line_no) WHERE received_via = 'file';
