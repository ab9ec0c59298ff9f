-- 0007: a queue message quarantined again on redelivery (its worker died after the commit,
-- before the ack) is kept once.

ALTER TABLE ingest_quarantine ADD COLUMN message_id uuid;
CREATE UNIQUE INDEX ingest_quarantine_message_once
    ON ingest_quarantine (message_id) WHERE message_id IS NOT NULL;
