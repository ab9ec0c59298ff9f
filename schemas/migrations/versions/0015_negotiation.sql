-- 0015: negotiation (DESIGN §8). New statuses are appended: an enum keeps creation order.

ALTER TYPE complaint_status ADD VALUE IF NOT EXISTS 'buyer_countered';
ALTER TYPE complaint_status ADD VALUE IF NOT EXISTS 'awaiting_information';
ALTER TYPE complaint_status ADD VALUE IF NOT EXISTS 'awaiting_return';
ALTER TYPE complaint_status ADD VALUE IF NOT EXISTS 'return_in_transit';
ALTER TYPE complaint_status ADD VALUE IF NOT EXISTS 'awaiting_settlement';

-- Money leaves through a port: each refund or compensation the pipeline instructs, written
-- with the step that decides it and published (at least once) to the payments stream; the
-- payment system dedupes on the idempotency key and answers refund.settled or refund.failed.
CREATE TABLE payment_instructions (
    idempotency_key text PRIMARY KEY,
    complaint_id uuid NOT NULL REFERENCES complaints (id),
    amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
    compensation_cents bigint NOT NULL DEFAULT 0 CHECK (compensation_cents >= 0),
    currency char(3) NOT NULL,
    order_id text NOT NULL,
    buyer_id text NOT NULL,
    merchant_id text NOT NULL,
    executed_by party_role NOT NULL,
    state text NOT NULL DEFAULT 'instructed' CHECK (state IN ('instructed', 'settled', 'failed')),
    reference text,
    failure text,
    created_at timestamptz NOT NULL,
    published_at timestamptz,
    answered_at timestamptz
);
CREATE INDEX payment_instructions_complaint_idx ON payment_instructions (complaint_id, created_at);
