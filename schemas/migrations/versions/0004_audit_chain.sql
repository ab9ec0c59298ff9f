-- 0004: tamper-evident audit trail: each event stores the SHA-256 of the previous event's
-- hash plus its own canonical content; the complaint keeps the chain head.

ALTER TABLE complaint_events ADD COLUMN prev_hash char(64);
ALTER TABLE complaint_events ADD COLUMN hash char(64);
ALTER TABLE complaints ADD COLUMN chain_head char(64);
