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

-- Cases (批量投诉): complaints against one merchant about one product in one category,
-- linked once their number within a window passes the category's threshold. The tally
-- keeps the arrivals still inside the window, so a new complaint is checked with one row.
CREATE TABLE cases (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    merchant_id text NOT NULL,
    product_key text NOT NULL,
    category complaint_category NOT NULL,
    opened_at timestamptz NOT NULL,
    opened_by uuid NOT NULL REFERENCES complaints (id),
    decided_at timestamptz
);

CREATE TABLE case_members (
    complaint_id uuid PRIMARY KEY REFERENCES complaints (id),
    case_id uuid NOT NULL REFERENCES cases (id),
    linked_at timestamptz NOT NULL
);
CREATE INDEX case_members_case_idx ON case_members (case_id, linked_at);

CREATE TABLE case_tallies (
    merchant_id text NOT NULL,
    product_key text NOT NULL,
    category complaint_category NOT NULL,
    complaint_ids uuid[] NOT NULL DEFAULT '{}',
    arrived_at timestamptz[] NOT NULL DEFAULT '{}',
    case_id uuid REFERENCES cases (id),
    PRIMARY KEY (merchant_id, product_key, category)
);

-- One staff decision for a whole case; each open complaint gets its own event from it.
CREATE TABLE case_decisions (
    id bigserial PRIMARY KEY,
    case_id uuid NOT NULL REFERENCES cases (id),
    idempotency_key text NOT NULL CHECK (char_length(idempotency_key) BETWEEN 1 AND 200),
    outcome jsonb NOT NULL,
    rule text NOT NULL,
    decided_by text NOT NULL,
    created_at timestamptz NOT NULL,
    UNIQUE (case_id, idempotency_key)
);

-- Governance: each penalty point with its reason; supervision of a merchant (at most one
-- in force), and every change of a merchant's standing as an event.
CREATE TABLE merchant_penalties (
    id bigserial PRIMARY KEY,
    merchant_id text NOT NULL,
    complaint_id uuid REFERENCES complaints (id),
    points integer NOT NULL CHECK (points > 0),
    reason text NOT NULL,
    at timestamptz NOT NULL
);
CREATE INDEX merchant_penalties_recent_idx ON merchant_penalties (merchant_id, at);

CREATE TABLE merchant_supervision (
    id bigserial PRIMARY KEY,
    merchant_id text NOT NULL,
    since timestamptz NOT NULL,
    until timestamptz NOT NULL CHECK (until > since),
    points integer NOT NULL,
    effects text[] NOT NULL,
    lifted_at timestamptz,
    lifted_by text
);
CREATE UNIQUE INDEX merchant_supervision_one_in_force
    ON merchant_supervision (merchant_id) WHERE lifted_at IS NULL;
CREATE INDEX merchant_supervision_due_idx ON merchant_supervision (until) WHERE lifted_at IS NULL;

CREATE TABLE merchant_events (
    id bigserial PRIMARY KEY,
    merchant_id text NOT NULL,
    event text NOT NULL,
    actor_role party_role NOT NULL,
    actor_id text NOT NULL,
    data jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL
);
CREATE INDEX merchant_events_merchant_idx ON merchant_events (merchant_id, id);
ALTER TYPE complaint_status ADD VALUE IF NOT EXISTS 'offer_pending_approval';
