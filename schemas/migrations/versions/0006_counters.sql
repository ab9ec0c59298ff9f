-- 0006: durable operational counters (e.g. complaints re-driven by the scheduler).

CREATE TABLE counters (
    name text PRIMARY KEY,
    value bigint NOT NULL DEFAULT 0 CHECK (value >= 0)
);

ALTER TABLE notifications ADD COLUMN redriven_at timestamptz;
