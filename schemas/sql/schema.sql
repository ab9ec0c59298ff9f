-- Canonical schema of the complaint pipeline. Migrations in schemas/migrations must produce
-- exactly this (tests/integration/test_migrations.py diffs the two).

CREATE TYPE complaint_status AS ENUM (
    'received', 'in_review', 'awaiting_evidence', 'awaiting_merchant', 'merchant_proposed',
    'in_arbitration', 'remedy_in_progress', 'resolved', 'closed', 'rejected', 'withdrawn',
    'suspended', 'buyer_countered', 'awaiting_information', 'awaiting_return',
    'return_in_transit', 'awaiting_settlement', 'offer_pending_approval'
);

CREATE TYPE complaint_stage AS ENUM (
    'intake', 'review', 'manual_review', 'evidence', 'route', 'dispatch', 'parties'
);

CREATE TYPE complaint_category AS ENUM (
    'product_quality', 'not_as_described', 'counterfeit', 'service', 'logistics',
    'transaction', 'other'
);

CREATE TYPE party_role AS ENUM ('buyer', 'merchant', 'platform', 'system');

CREATE TYPE evidence_kind AS ENUM (
    'photo', 'video', 'chat_log', 'transaction_record', 'inspection_report', 'service_record'
);

CREATE TYPE evidence_verdict AS ENUM (
    'ok', 'missing', 'size_mismatch', 'too_large', 'type_mismatch', 'hash_mismatch',
    'forbidden_key', 'too_many'
);

CREATE TYPE deadline_state AS ENUM ('open', 'paused', 'fired', 'closed');

CREATE TABLE complaints (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Identifier rules as a length test plus an unbounded pattern: a bounded repeat such
    -- as {1,128} is expensive in PostgreSQL's regex engine, on every insert and update
    -- (migration 0011).
    source text NOT NULL CHECK (char_length(source) BETWEEN 1 AND 64 AND source ~ '^[a-z0-9-]+$'),
    external_id text NOT NULL
        CHECK (char_length(external_id) BETWEEN 1 AND 128 AND external_id ~ '^[A-Za-z0-9_.:-]+$'),
    idempotency_key text UNIQUE CHECK (char_length(idempotency_key) BETWEEN 1 AND 200),
    payload_sha256 char(64) NOT NULL,
    status complaint_status NOT NULL DEFAULT 'received',
    stage complaint_stage NOT NULL DEFAULT 'intake',
    category complaint_category NOT NULL,
    buyer_id text NOT NULL
        CHECK (char_length(buyer_id) BETWEEN 1 AND 128 AND buyer_id ~ '^[A-Za-z0-9_.:-]+$'),
    merchant_id text NOT NULL
        CHECK (char_length(merchant_id) BETWEEN 1 AND 128 AND merchant_id ~ '^[A-Za-z0-9_.:-]+$'),
    order_id text NOT NULL
        CHECK (char_length(order_id) BETWEEN 1 AND 128 AND order_id ~ '^[A-Za-z0-9_.:-]+$'),
    item_id text,
    sku text,
    order_amount_cents bigint NOT NULL CHECK (order_amount_cents >= 0),
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    paid_at timestamptz,
    delivered_at timestamptz,
    submitted_at timestamptz NOT NULL,
    title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    description text NOT NULL CHECK (char_length(description) BETWEEN 1 AND 5000),
    requested_remedy text NOT NULL,
    claimed_amount_cents bigint NOT NULL CHECK (claimed_amount_cents >= 0),
    escalation_level integer NOT NULL DEFAULT 0 CHECK (escalation_level >= 0),
    rejection_reason text,
    duplicate_of uuid REFERENCES complaints (id),
    parent_id uuid REFERENCES complaints (id),
    route_queue text,
    flags text[] NOT NULL DEFAULT '{}',
    admitted_at timestamptz,
    suspended_from complaint_status,
    outcome jsonb,
    version integer NOT NULL DEFAULT 0 CHECK (version >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    remedy jsonb,
    chain_head char(64),
    -- The running clock's party and due time, and the staff claim (migration 0013).
    waiting_on party_role CHECK (waiting_on IN ('buyer', 'merchant', 'platform')),
    due_at timestamptz,
    claimed_by text CHECK (char_length(claimed_by) BETWEEN 1 AND 128),
    claim_expires_at timestamptz,
    -- The case it belongs to, written by the dispatch step that counted it (migration 0017;
    -- no foreign key: the case was locked or opened in the same transaction).
    case_id uuid,
    UNIQUE (source, external_id),
    CHECK ((status = 'rejected') = (rejection_reason IS NOT NULL)),
    CHECK ((status = 'suspended') = (suspended_from IS NOT NULL)),
    CHECK (parent_id IS NULL OR parent_id <> id),
    CONSTRAINT complaints_remedy_within_order CHECK (
        coalesce((remedy ->> 'amount_cents')::bigint, 0) BETWEEN 0 AND order_amount_cents
        AND coalesce((remedy ->> 'compensation_cents')::bigint, 0)
            BETWEEN 0 AND order_amount_cents
    ),
    CONSTRAINT complaints_outcome_within_order CHECK (
        coalesce((outcome ->> 'amount_cents')::bigint, 0) BETWEEN 0 AND order_amount_cents
    ),
    CONSTRAINT complaints_claim_has_lease CHECK ((claimed_by IS NULL) = (claim_expires_at IS NULL))
);

-- One open, admitted complaint per buyer, order and category; review rejects the rest as
-- 'duplicate' (the index closes the race between two concurrent reviews).
CREATE UNIQUE INDEX complaints_one_open_per_order
    ON complaints (buyer_id, order_id, category)
    WHERE admitted_at IS NOT NULL
      AND status NOT IN ('resolved', 'closed', 'rejected', 'withdrawn');
CREATE INDEX complaints_status_idx ON complaints (status, updated_at);
-- Work lists (GET /v1/complaints): each page is one ordered range of one of these,
-- sorted by the running clock's due time, complaints without one last, then id.
CREATE INDEX complaints_buyer_work_idx
    ON complaints (buyer_id, (coalesce(due_at, 'infinity'::timestamptz)), id);
CREATE INDEX complaints_merchant_work_idx
    ON complaints (merchant_id, waiting_on, (coalesce(due_at, 'infinity'::timestamptz)), id);
CREATE INDEX complaints_waiting_work_idx
    ON complaints (waiting_on, (coalesce(due_at, 'infinity'::timestamptz)), id);
CREATE INDEX complaints_escalated_work_idx
    ON complaints (escalation_level, (coalesce(due_at, 'infinity'::timestamptz)), id)
    WHERE escalation_level > 0;
-- A case's complaints (migration 0017): an entry only for complaints that joined one.
CREATE INDEX complaints_case_idx ON complaints (case_id) WHERE case_id IS NOT NULL;

CREATE TABLE complaint_events (
    complaint_id uuid NOT NULL REFERENCES complaints (id),
    seq integer NOT NULL CHECK (seq >= 1),
    event text NOT NULL,
    from_status complaint_status,
    to_status complaint_status NOT NULL,
    actor_role party_role NOT NULL,
    actor_id text NOT NULL,
    data jsonb NOT NULL DEFAULT '{}',
    message_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    prev_hash char(64),
    hash char(64),
    PRIMARY KEY (complaint_id, seq)
);

CREATE TABLE evidence_items (
    id bigserial PRIMARY KEY,
    complaint_id uuid NOT NULL REFERENCES complaints (id),
    position integer NOT NULL CHECK (position >= 0),
    submitted_by_role party_role NOT NULL,
    submitted_by_id text NOT NULL,
    key text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 1024),
    kind evidence_kind NOT NULL,
    content_type text NOT NULL,
    size bigint NOT NULL CHECK (size >= 0),
    sha256 char(64) NOT NULL CHECK (char_length(sha256) = 64 AND sha256 ~ '^[0-9a-f]+$'),
    verdict evidence_verdict,
    detail text,
    checked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (complaint_id, position)
);

CREATE TABLE deadlines (
    id bigserial PRIMARY KEY,
    complaint_id uuid NOT NULL REFERENCES complaints (id),
    kind text NOT NULL,
    party party_role NOT NULL,
    started_at timestamptz NOT NULL,
    due_at timestamptz NOT NULL,
    warn_at timestamptz NOT NULL,
    paused_at timestamptz,
    paused_total interval NOT NULL DEFAULT '0',
    state deadline_state NOT NULL DEFAULT 'open',
    warned_at timestamptz,
    fired_at timestamptz,
    closed_at timestamptz,
    CHECK (due_at > started_at),
    CHECK (warn_at BETWEEN started_at AND due_at),
    CHECK ((state = 'paused') = (paused_at IS NOT NULL))
);
CREATE UNIQUE INDEX deadlines_one_live_per_kind
    ON deadlines (complaint_id, kind) WHERE state IN ('open', 'paused');
CREATE INDEX deadlines_due_idx ON deadlines (due_at) WHERE state = 'open';
CREATE INDEX deadlines_warn_idx ON deadlines (warn_at) WHERE state = 'open' AND warned_at IS NULL;

CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    message_id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    queue_name text NOT NULL,
    actor_name text NOT NULL,
    payload jsonb NOT NULL,
    -- No foreign key: rows live until published, and complaints are never deleted.
    complaint_id uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE notifications (
    id bigserial PRIMARY KEY,
    complaint_id uuid NOT NULL,  -- the complaint of its event (foreign key below)
    event_seq integer NOT NULL,
    recipient_role party_role NOT NULL CHECK (recipient_role IN ('buyer', 'merchant', 'platform')),
    recipient_id text NOT NULL,
    kind text NOT NULL,
    body jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error text,
    delivered_at timestamptz,
    redriven_at timestamptz,
    UNIQUE (complaint_id, event_seq, recipient_role),
    FOREIGN KEY (complaint_id, event_seq) REFERENCES complaint_events (complaint_id, seq)
);
CREATE INDEX notifications_pending_idx ON notifications (id) WHERE delivered_at IS NULL;

CREATE TABLE dead_letters (
    id bigserial PRIMARY KEY,
    message_id text NOT NULL UNIQUE,
    queue_name text NOT NULL,
    actor_name text NOT NULL,
    payload jsonb NOT NULL,
    error text,
    failures integer NOT NULL DEFAULT 1 CHECK (failures >= 1),
    first_failed_at timestamptz NOT NULL DEFAULT now(),
    last_failed_at timestamptz NOT NULL DEFAULT now(),
    replayed_at timestamptz
);

CREATE TABLE ingest_quarantine (
    id bigserial PRIMARY KEY,
    received_via text NOT NULL CHECK (received_via IN ('queue', 'http', 'file')),
    source text,
    external_id text,
    raw text NOT NULL,
    errors jsonb NOT NULL,
    line_no integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    raw_sha256 char(64),
    message_id uuid
);
CREATE UNIQUE INDEX ingest_quarantine_file_line_once
    ON ingest_quarantine (raw_sha256, line_no) WHERE received_via = 'file';
CREATE UNIQUE INDEX ingest_quarantine_message_once
    ON ingest_quarantine (message_id) WHERE message_id IS NOT NULL;

CREATE TABLE merchant_stats (
    merchant_id text PRIMARY KEY,
    complaints_received integer NOT NULL DEFAULT 0 CHECK (complaints_received >= 0),
    accepted integer NOT NULL DEFAULT 0 CHECK (accepted >= 0),
    disputed integer NOT NULL DEFAULT 0 CHECK (disputed >= 0),
    arbitration_lost integer NOT NULL DEFAULT 0 CHECK (arbitration_lost >= 0),
    sla_breaches integer NOT NULL DEFAULT 0 CHECK (sla_breaches >= 0),
    penalty_points integer NOT NULL DEFAULT 0 CHECK (penalty_points >= 0),
    response_seconds_total bigint NOT NULL DEFAULT 0 CHECK (response_seconds_total >= 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Party actions: the idempotency ledger. A key belongs to one caller; a redelivered or
-- retried action finds its key and answers the kept result, another request under it is refused.
CREATE TABLE actions (
    idempotency_key text NOT NULL CHECK (char_length(idempotency_key) BETWEEN 1 AND 200),
    complaint_id uuid NOT NULL REFERENCES complaints (id),
    action text NOT NULL,
    actor_role party_role NOT NULL,
    actor_id text NOT NULL,
    event_seq integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    caller text NOT NULL CHECK (char_length(caller) BETWEEN 1 AND 200),
    request jsonb,
    result jsonb,
    PRIMARY KEY (caller, idempotency_key)
);
CREATE INDEX actions_complaint_idx ON actions (complaint_id);

-- Orders per merchant and day, supplied by upstream, for complaint rates per 1,000 orders.
CREATE TABLE merchant_orders (
    merchant_id text NOT NULL,
    day date NOT NULL,
    orders integer NOT NULL CHECK (orders >= 0),
    PRIMARY KEY (merchant_id, day)
);

-- Deliveries per message: one that keeps killing its worker is dead-lettered, not looped.
CREATE UNLOGGED TABLE message_deliveries (
    message_id text PRIMARY KEY,
    actor_name text NOT NULL,
    deliveries integer NOT NULL DEFAULT 1,
    last_at timestamptz NOT NULL DEFAULT now()
);

-- Durable operational counters (e.g. complaints re-driven by the scheduler).
CREATE TABLE counters (
    name text PRIMARY KEY,
    value bigint NOT NULL DEFAULT 0 CHECK (value >= 0)
);

-- API clients (upstream systems, the console's backend, operators' tools): a name, the
-- SHA-256 of a high-entropy secret shown once, scopes, and whether it may still call.
CREATE TABLE api_clients (
    name text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9-]*$' AND char_length(name) <= 63),
    secret_sha256 text NOT NULL UNIQUE CHECK (secret_sha256 ~ '^[0-9a-f]{64}$'),
    scopes text[] NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    rotated_at timestamptz,
    revoked_at timestamptz,
    last_used_at timestamptz
);

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
-- Over the four-eyes amount in total (amount x complaints), it waits for a second staff
-- member's approval (needs_approval_above_cents set, approved_by still null).
CREATE TABLE case_decisions (
    id bigserial PRIMARY KEY,
    case_id uuid NOT NULL REFERENCES cases (id),
    idempotency_key text NOT NULL CHECK (char_length(idempotency_key) BETWEEN 1 AND 200),
    outcome jsonb NOT NULL,
    rule text NOT NULL,
    decided_by text NOT NULL,
    created_at timestamptz NOT NULL,
    total_cents bigint NOT NULL DEFAULT 0,
    needs_approval_above_cents bigint,
    approved_by text,
    approved_at timestamptz,
    UNIQUE (case_id, idempotency_key),
    CONSTRAINT case_decisions_four_eyes CHECK (approved_by IS DISTINCT FROM decided_by),
    CONSTRAINT case_decisions_approval CHECK ((approved_by IS NULL) = (approved_at IS NULL))
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
