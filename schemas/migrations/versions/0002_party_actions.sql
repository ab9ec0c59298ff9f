-- 0002: party actions (idempotency ledger), proposed remedy, merchant order counts.

ALTER TABLE complaints ADD COLUMN remedy jsonb;
ALTER TABLE complaints ADD CONSTRAINT complaints_remedy_within_order CHECK (
    coalesce((remedy ->> 'amount_cents')::bigint, 0) BETWEEN 0 AND order_amount_cents
    AND coalesce((remedy ->> 'compensation_cents')::bigint, 0) BETWEEN 0 AND order_amount_cents
);
ALTER TABLE complaints ADD CONSTRAINT complaints_outcome_within_order CHECK (
    coalesce((outcome ->> 'amount_cents')::bigint, 0) BETWEEN 0 AND order_amount_cents
);

CREATE TABLE actions (
    idempotency_key text PRIMARY KEY CHECK (char_length(idempotency_key) BETWEEN 1 AND 200),
    complaint_id uuid NOT NULL REFERENCES complaints (id),
    action text NOT NULL,
    actor_role party_role NOT NULL,
    actor_id text NOT NULL,
    event_seq integer,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX actions_complaint_idx ON actions (complaint_id);

CREATE TABLE merchant_orders (
    merchant_id text NOT NULL,
    day date NOT NULL,
    orders integer NOT NULL CHECK (orders >= 0),
    PRIMARY KEY (merchant_id, day)
);
