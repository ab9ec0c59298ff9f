-- 0012: an action's idempotency key belongs to one caller: the ledger is keyed by
-- (caller, idempotency_key) and keeps the request and the answer it got, so a true replay
-- answers the original result and a reuse for another request is refused, naming what differs.

ALTER TABLE actions DROP CONSTRAINT actions_pkey;
ALTER TABLE actions ADD COLUMN caller text NOT NULL DEFAULT 'queue'
    CHECK (char_length(caller) BETWEEN 1 AND 200);
ALTER TABLE actions ALTER COLUMN caller DROP DEFAULT;
ALTER TABLE actions ADD COLUMN request jsonb;
ALTER TABLE actions ADD COLUMN result jsonb;
ALTER TABLE actions ADD PRIMARY KEY (caller, idempotency_key);
