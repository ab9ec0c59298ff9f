-- 0005: deliveries counted per message, so one that keeps killing its worker (redelivered
-- without counting as a retry) is dead-lettered instead of looping forever. UNLOGGED: the
-- count must survive a worker's death, not a PostgreSQL crash, and costs no WAL flush.

CREATE UNLOGGED TABLE message_deliveries (
    message_id text PRIMARY KEY,
    actor_name text NOT NULL,
    deliveries integer NOT NULL DEFAULT 1,
    last_at timestamptz NOT NULL DEFAULT now()
);
