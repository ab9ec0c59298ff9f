-- Named queries; pipeline/db/queries.py loads each block by its name.

-- name: accept_complaints
-- Intake for a whole batch in one statement: each table's rows as one JSON array
-- (pipeline.handlers.intake.IntakeRows; the outbox's as `insert_outbox` takes them); children
-- are kept only for complaints this statement inserted (a (source, external_id) or
-- Idempotency-Key already taken inserts nothing).
WITH new AS (
    INSERT INTO complaints (
        id, source, external_id, idempotency_key, payload_sha256, category, buyer_id,
        merchant_id, order_id, item_id, sku, order_amount_cents, currency, paid_at,
        delivered_at, submitted_at, title, description, requested_remedy,
        claimed_amount_cents, parent_id, status, stage, version, created_at, updated_at,
        chain_head, waiting_on, due_at
    )
    SELECT id, source, external_id, idempotency_key, payload_sha256, category, buyer_id,
        merchant_id, order_id, item_id, sku, order_amount_cents, currency, paid_at,
        delivered_at, submitted_at, title, description, requested_remedy,
        claimed_amount_cents, parent_id, status, stage, version, created_at, updated_at,
        chain_head, waiting_on, due_at
    FROM jsonb_populate_recordset(NULL::complaints, %(complaints)s)
    ON CONFLICT DO NOTHING
    RETURNING id
), evidence AS (
    INSERT INTO evidence_items (
        complaint_id, position, submitted_by_role, submitted_by_id, key, kind, content_type,
        size, sha256
    )
    SELECT r.complaint_id, r.position, r.submitted_by_role, r.submitted_by_id, r.key, r.kind,
        r.content_type, r.size, r.sha256
    FROM jsonb_populate_recordset(NULL::evidence_items, %(evidence)s) r
    JOIN new ON new.id = r.complaint_id
), events AS (
    INSERT INTO complaint_events (
        complaint_id, seq, event, from_status, to_status, actor_role, actor_id, data,
        message_id, created_at, prev_hash, hash
    )
    SELECT r.complaint_id, r.seq, r.event, r.from_status, r.to_status, r.actor_role,
        r.actor_id, r.data, r.message_id, r.created_at, r.prev_hash, r.hash
    FROM jsonb_populate_recordset(NULL::complaint_events, %(events)s) r
    JOIN new ON new.id = r.complaint_id
), clocks AS (
    INSERT INTO deadlines (complaint_id, kind, party, started_at, due_at, warn_at)
    SELECT r.complaint_id, r.kind, r.party, r.started_at, r.due_at, r.warn_at
    FROM jsonb_populate_recordset(NULL::deadlines, %(deadlines)s) r
    JOIN new ON new.id = r.complaint_id
), notes AS (
    INSERT INTO notifications (complaint_id, event_seq, recipient_role, recipient_id, kind, body)
    SELECT r.complaint_id, r.event_seq, r.recipient_role, r.recipient_id, r.kind, r.body
    FROM jsonb_populate_recordset(NULL::notifications, %(notifications)s) r
    JOIN new ON new.id = r.complaint_id
), messages AS (
    INSERT INTO outbox (queue_name, actor_name, payload, complaint_id)
    SELECT r.queue_name, r.actor_name, r.payload, r.complaint_id
    FROM jsonb_populate_recordset(NULL::outbox, %(outbox)s) WITH ORDINALITY AS r
    JOIN new ON new.id = r.complaint_id
    ORDER BY r.ordinality
)
SELECT id FROM new;

-- name: find_existing
SELECT id, payload_sha256, source, external_id, idempotency_key FROM complaints
WHERE (source = %(source)s AND external_id = %(external_id)s)
   OR idempotency_key = %(idempotency_key)s;

-- name: insert_evidence
INSERT INTO evidence_items (
    complaint_id, position, submitted_by_role, submitted_by_id, key, kind, content_type, size,
    sha256
) VALUES (
    %(complaint_id)s, %(position)s, %(submitted_by_role)s, %(submitted_by_id)s, %(key)s,
    %(kind)s, %(content_type)s, %(size)s, %(sha256)s
);

-- name: lock_complaints
-- A group's complaints, locked in id order (the order every group takes its locks in).
SELECT * FROM complaints WHERE id = ANY(%(ids)s::uuid[]) ORDER BY id FOR UPDATE;

-- name: get_complaint
SELECT * FROM complaints WHERE id = %(id)s;

-- name: record_steps
-- Deferred steps' events and their notifications (pipeline.db.pending), each a JSON array
-- of rows. The notifications' foreign key to the events is checked at the end of the
-- statement, when the event rows are there. A repeated step fails on the event's key, so
-- its notifications need no conflict handling.
WITH events AS (
    INSERT INTO complaint_events (
        complaint_id, seq, event, from_status, to_status, actor_role, actor_id, data,
        message_id, created_at, prev_hash, hash
    )
    SELECT r.complaint_id, r.seq, r.event, r.from_status, r.to_status, r.actor_role,
        r.actor_id, r.data, r.message_id, r.created_at, r.prev_hash, r.hash
    FROM jsonb_populate_recordset(NULL::complaint_events, %(events)s) r
)
INSERT INTO notifications (complaint_id, event_seq, recipient_role, recipient_id, kind, body)
SELECT r.complaint_id, r.event_seq, r.recipient_role, r.recipient_id, r.kind, r.body
FROM jsonb_populate_recordset(NULL::notifications, %(notifications)s) r;

-- name: replace_open_deadlines
-- Deferred clock replacements (pipeline.db.pending), in the order they were made: each
-- complaint's running clock closes, its new ones open (a clock already replaced again in
-- the same batch arrives with its closed_at set and is written closed). The inserts read
-- the update's result, so old clocks are closed before new ones meet the
-- one-live-clock-per-kind index.
WITH input AS (
    SELECT * FROM unnest(
        %(complaint_ids)s::uuid[], %(kinds)s::text[], %(parties)s::party_role[],
        %(started)s::timestamptz[], %(due)s::timestamptz[], %(warn)s::timestamptz[],
        %(nows)s::timestamptz[], %(closed)s::timestamptz[]
    ) WITH ORDINALITY
    AS i (complaint_id, kind, party, started_at, due_at, warn_at, now, closed_at, n)
), closed AS (
    UPDATE deadlines d SET state = 'closed', closed_at = f.now
    FROM (
        SELECT DISTINCT ON (complaint_id) complaint_id, now FROM input ORDER BY complaint_id, n
    ) f
    WHERE d.complaint_id = f.complaint_id AND d.state = 'open'
    RETURNING 1
)
INSERT INTO deadlines (complaint_id, kind, party, started_at, due_at, warn_at, state, closed_at)
SELECT complaint_id, kind, party, started_at, due_at, warn_at,
    CASE WHEN closed_at IS NULL THEN 'open' ELSE 'closed' END::deadline_state, closed_at
FROM input, (SELECT count(*) FROM closed) AS done
ORDER BY n;

-- name: close_live_deadlines
UPDATE deadlines SET state = 'closed', closed_at = %(now)s, paused_at = NULL
WHERE complaint_id = %(complaint_id)s AND state IN ('open', 'paused');

-- name: close_open_deadlines
UPDATE deadlines SET state = 'closed', closed_at = %(now)s
WHERE complaint_id = %(complaint_id)s AND state = 'open';

-- name: pause_live_deadlines
UPDATE deadlines SET state = 'paused', paused_at = %(now)s
WHERE complaint_id = %(complaint_id)s AND state = 'open';

-- name: resume_deadline
UPDATE deadlines
SET state = 'open', due_at = %(due_at)s, warn_at = %(warn_at)s,
    paused_total = paused_total + (%(now)s - paused_at), paused_at = NULL
WHERE id = %(id)s;

-- name: open_deadline
INSERT INTO deadlines (complaint_id, kind, party, started_at, due_at, warn_at)
VALUES (%(complaint_id)s, %(kind)s, %(party)s, %(started_at)s, %(due_at)s, %(warn_at)s);

-- name: insert_outbox
-- A unit of work's messages, in the order they were enqueued, in one statement (their rows
-- as one JSON array, pipeline.db.store.outbox_params).
INSERT INTO outbox (queue_name, actor_name, payload, complaint_id)
SELECT r.queue_name, r.actor_name, r.payload, r.complaint_id
FROM jsonb_populate_recordset(NULL::outbox, %(outbox)s) WITH ORDINALITY AS r
ORDER BY r.ordinality;

-- name: insert_quarantine
INSERT INTO ingest_quarantine (
    received_via, source, external_id, raw, errors, line_no, raw_sha256, message_id
) VALUES (
    %(received_via)s, %(source)s, %(external_id)s, %(raw)s, %(errors)s, %(line_no)s,
    encode(sha256(convert_to(%(raw)s, 'UTF8')), 'hex'), %(message_id)s
)
ON CONFLICT DO NOTHING
RETURNING id;

-- name: evidence_of
SELECT * FROM evidence_items WHERE complaint_id = %(complaint_id)s ORDER BY position;

-- name: evidence_snapshots
-- What the evidence stage reads before going to object storage, for a group in one
-- statement: where each complaint is, its version, and all its items (as JSON, by
-- position).
SELECT c.id, c.status, c.stage, c.version,
       coalesce(jsonb_agg(to_jsonb(e) ORDER BY e.position) FILTER (WHERE e.id IS NOT NULL),
                '[]'::jsonb) AS items
FROM complaints c LEFT JOIN evidence_items e ON e.complaint_id = c.id
WHERE c.id = ANY(%(ids)s::uuid[])
GROUP BY c.id;

-- name: set_verdicts
UPDATE evidence_items e
SET verdict = v.verdict::evidence_verdict, detail = v.detail, checked_at = %(now)s
FROM unnest(%(ids)s::bigint[], %(verdicts)s::text[], %(details)s::text[]) AS v (id, verdict, detail)
WHERE e.id = v.id;

-- name: pending_notifications
-- The undelivered notifications of several events, each given as (complaint_id, event_seq).
SELECT n.*, c.status
FROM unnest(%(complaint_ids)s::uuid[], %(event_seqs)s::int[]) AS e (complaint_id, event_seq)
JOIN notifications n ON n.complaint_id = e.complaint_id AND n.event_seq = e.event_seq
JOIN complaints c ON c.id = n.complaint_id
WHERE n.delivered_at IS NULL
ORDER BY n.id
FOR UPDATE OF n SKIP LOCKED;

-- name: mark_delivered
UPDATE notifications SET delivered_at = %(now)s, attempts = attempts + 1 WHERE id = ANY(%(ids)s);

-- name: claim_outbox
-- Every row is unsent: the relay deletes what it publishes (delete_published_outbox).
SELECT id, message_id, queue_name, actor_name, payload FROM outbox
ORDER BY id LIMIT %(limit)s FOR UPDATE SKIP LOCKED;

-- name: delete_published_outbox
DELETE FROM outbox WHERE id = ANY(%(ids)s);

-- name: pipeline_progress
-- The stages come from the stage table (pipeline.db.reports.pipeline_progress).
SELECT
    count(*) AS complaints,
    (SELECT count(*) FROM ingest_quarantine
      WHERE received_via = 'queue' AND source = %(source)s) AS quarantined,
    count(*) FILTER (
      WHERE status = 'rejected' OR stage <> ALL(%(unreviewed)s::complaint_stage[])
    ) AS reviewed,
    count(*) FILTER (
      WHERE status = 'awaiting_evidence' OR stage = ANY(%(past_evidence)s::complaint_stage[])
    ) AS evidence_checked,
    count(*) FILTER (WHERE stage = %(parties)s::complaint_stage) AS dispatched,
    count(*) FILTER (WHERE status = 'rejected') AS rejected,
    count(*) FILTER (
      WHERE status = 'in_review' AND stage = %(manual_review)s::complaint_stage
    ) AS held_for_review,
    count(*) FILTER (WHERE status = 'awaiting_evidence') AS awaiting_evidence,
    count(*) FILTER (
      WHERE status = 'received'
         OR (status = 'in_review' AND stage = ANY(%(automated)s::complaint_stage[]))
    ) AS in_flight,
    (SELECT count(*) FROM notifications n JOIN complaints c ON c.id = n.complaint_id
      WHERE c.source = %(source)s) AS notifications,
    (SELECT count(*) FROM notifications n JOIN complaints c ON c.id = n.complaint_id
      WHERE c.source = %(source)s AND n.delivered_at IS NOT NULL) AS delivered,
    (SELECT count(*) FROM outbox) AS outbox_backlog
FROM complaints WHERE source = %(source)s;

-- name: summary_by_status_category
SELECT status::text, category::text, count(*) AS n FROM complaints
WHERE source = %(source)s GROUP BY 1, 2 ORDER BY 1, 2;

-- name: summary_rejections
SELECT rejection_reason, count(*) AS n FROM complaints
WHERE source = %(source)s AND status = 'rejected' GROUP BY 1 ORDER BY 2 DESC;

-- name: summary_example_complaint
-- One complaint of a run for the next steps: one the merchant must answer if there is one.
SELECT id FROM complaints WHERE source = %(source)s
ORDER BY status = 'awaiting_merchant' DESC, created_at, id LIMIT 1;

-- name: summary_verdicts
SELECT coalesce(e.verdict::text, 'unchecked') AS verdict, count(*) AS n
FROM evidence_items e JOIN complaints c ON c.id = e.complaint_id
WHERE c.source = %(source)s GROUP BY 1 ORDER BY 2 DESC;

-- name: record_action
INSERT INTO actions (caller, idempotency_key, complaint_id, action, actor_role, actor_id, request)
VALUES (%(caller)s, %(key)s, %(complaint_id)s, %(action)s, %(role)s, %(actor_id)s, %(request)s)
ON CONFLICT (caller, idempotency_key) DO NOTHING
RETURNING idempotency_key;

-- name: recorded_action
SELECT complaint_id::text AS complaint_id, action, actor_role::text AS actor_role, actor_id,
       request, result
FROM actions WHERE caller = %(caller)s AND idempotency_key = %(key)s;

-- name: set_action_result
UPDATE actions SET event_seq = %(seq)s, result = %(result)s
WHERE caller = %(caller)s AND idempotency_key = %(key)s;

-- name: insert_evidence_checked
INSERT INTO evidence_items (
    complaint_id, position, submitted_by_role, submitted_by_id, key, kind, content_type, size,
    sha256, verdict, detail, checked_at
) VALUES (
    %(complaint_id)s, %(position)s, %(submitted_by_role)s, %(submitted_by_id)s, %(key)s,
    %(kind)s, %(content_type)s, %(size)s, %(sha256)s, %(verdict)s, %(detail)s, %(now)s
);

-- name: next_evidence_position
SELECT coalesce(max(position) + 1, 0) AS position FROM evidence_items
WHERE complaint_id = %(complaint_id)s;

-- name: live_deadline
SELECT * FROM deadlines
WHERE complaint_id = %(complaint_id)s AND kind = %(kind)s AND state IN ('open', 'paused');

-- name: count_events
SELECT count(*) AS n FROM complaint_events
WHERE complaint_id = %(complaint_id)s AND event = %(event)s;

-- name: count_offer_rounds
-- Merchant offers so far (the first and its revisions): one negotiation round each.
SELECT count(*) AS n FROM complaint_events
WHERE complaint_id = %(complaint_id)s AND event IN ('merchant.accept', 'merchant.revise_offer');

-- name: bump_merchant_stats
-- A unit of work's scorecard counters, one row per merchant (each parameter an array, in
-- merchant order: rows are locked in that order, so two transactions do not deadlock).
INSERT INTO merchant_stats (
    merchant_id, complaints_received, accepted, disputed, arbitration_lost, sla_breaches,
    penalty_points
)
SELECT merchant_id, received, accepted, disputed, lost, breaches, penalty
FROM unnest(
    %(merchant_ids)s::text[], %(received)s::int[], %(accepted)s::int[], %(disputed)s::int[],
    %(lost)s::int[], %(breaches)s::int[], %(penalty)s::int[]
) WITH ORDINALITY AS m (merchant_id, received, accepted, disputed, lost, breaches, penalty, n)
ORDER BY n
ON CONFLICT (merchant_id) DO UPDATE SET
    complaints_received = merchant_stats.complaints_received + EXCLUDED.complaints_received,
    accepted = merchant_stats.accepted + EXCLUDED.accepted,
    disputed = merchant_stats.disputed + EXCLUDED.disputed,
    arbitration_lost = merchant_stats.arbitration_lost + EXCLUDED.arbitration_lost,
    sla_breaches = merchant_stats.sla_breaches + EXCLUDED.sla_breaches,
    penalty_points = merchant_stats.penalty_points + EXCLUDED.penalty_points,
    updated_at = now();

-- name: events_of
SELECT seq, event, from_status::text, to_status::text, actor_role::text, actor_id, data,
       created_at, prev_hash, hash
FROM complaint_events WHERE complaint_id = %(complaint_id)s ORDER BY seq
LIMIT %(limit)s OFFSET %(offset)s;

-- name: live_clocks
SELECT kind, party::text, due_at, warn_at, state::text, paused_at, warned_at
FROM deadlines WHERE complaint_id = %(complaint_id)s AND state IN ('open', 'paused')
ORDER BY due_at;

-- name: merchant_scorecard
WITH dispatched AS (
    SELECT c.merchant_id, c.id, e.created_at AS at
    FROM complaint_events e JOIN complaints c ON c.id = e.complaint_id
    WHERE e.event = 'merchant.dispatched' AND e.created_at >= %(since)s
      AND (%(merchant_id)s::text IS NULL OR c.merchant_id = %(merchant_id)s::text)
), answered AS (
    SELECT complaint_id, min(created_at) AS at FROM complaint_events
    WHERE event IN ('merchant.accept', 'merchant.dispute') GROUP BY complaint_id
), decided AS (
    SELECT DISTINCT ON (complaint_id) complaint_id, data ->> 'decision' AS decision
    FROM complaint_events WHERE event IN ('platform.decide', 'platform.decide_no_remedy')
    ORDER BY complaint_id, seq DESC
), orders AS (
    SELECT merchant_id, sum(orders) AS orders FROM merchant_orders
    WHERE day >= %(since)s::date GROUP BY merchant_id
)
SELECT d.merchant_id,
       count(*) AS received,
       round(1000.0 * count(*) / nullif(max(o.orders), 0), 2) AS per_1000_orders,
       count(a.at) AS answered,
       round(count(*) FILTER (WHERE a.at <= d.at + %(window)s::interval)::numeric
             / count(*), 3) AS answered_in_time_share,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.at - d.at))
           AS median_response_seconds,
       count(*) FILTER (WHERE x.decision = 'buyer_wins') AS buyer_wins,
       count(*) FILTER (WHERE x.decision = 'partial') AS partial,
       count(*) FILTER (WHERE x.decision = 'merchant_wins') AS merchant_wins,
       coalesce(max(s.sla_breaches), 0) AS sla_breaches,
       coalesce(max(s.penalty_points), 0) AS penalty_points,
       bool_or(sv.id IS NOT NULL) AS supervised
FROM dispatched d
LEFT JOIN answered a ON a.complaint_id = d.id
LEFT JOIN decided x ON x.complaint_id = d.id
LEFT JOIN orders o ON o.merchant_id = d.merchant_id
LEFT JOIN merchant_stats s ON s.merchant_id = d.merchant_id
LEFT JOIN merchant_supervision sv ON sv.merchant_id = d.merchant_id AND sv.lifted_at IS NULL
GROUP BY d.merchant_id
ORDER BY received DESC, d.merchant_id
LIMIT %(top)s;

-- name: get_deadline
SELECT * FROM deadlines WHERE id = %(id)s;

-- name: fired_deadlines
-- Deadlines, each with whether a newer clock of its kind runs for the same complaint.
SELECT d.*, EXISTS (
    SELECT 1 FROM deadlines l
    WHERE l.complaint_id = d.complaint_id AND l.kind = d.kind AND l.state IN ('open', 'paused')
) AS superseded
FROM deadlines d WHERE d.id = ANY(%(ids)s::bigint[]);

-- name: warning_sent
SELECT 1 FROM complaint_events
WHERE complaint_id = %(complaint_id)s AND event = 'sla.warning'
  AND data ->> 'deadline_id' = %(deadline_id)s::text;

-- name: claim_due_deadlines
WITH due AS (
    SELECT id FROM deadlines
    WHERE state = 'open' AND due_at <= %(now)s
    ORDER BY due_at LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), fired AS (
    UPDATE deadlines d SET state = 'fired', fired_at = %(now)s
    FROM due WHERE d.id = due.id
    RETURNING d.id, d.complaint_id
)
INSERT INTO outbox (queue_name, actor_name, payload, complaint_id)
SELECT %(queue)s::text, %(job)s::text,
       jsonb_build_object('complaint_id', complaint_id::text, 'deadline_id', id), complaint_id
FROM fired
RETURNING id;

-- name: claim_due_warnings
WITH due AS (
    SELECT id FROM deadlines
    WHERE state = 'open' AND warned_at IS NULL AND warn_at <= %(now)s AND due_at > %(now)s
    ORDER BY warn_at LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), warned AS (
    UPDATE deadlines d SET warned_at = %(now)s
    FROM due WHERE d.id = due.id
    RETURNING d.id, d.complaint_id
)
INSERT INTO outbox (queue_name, actor_name, payload, complaint_id)
SELECT %(queue)s::text, %(job)s::text,
       jsonb_build_object('complaint_id', complaint_id::text, 'deadline_id', id), complaint_id
FROM warned
RETURNING id;

-- name: next_deadline_time
SELECT least(
    (SELECT min(due_at) FROM deadlines WHERE state = 'open'),
    (SELECT min(warn_at) FROM deadlines WHERE state = 'open' AND warned_at IS NULL)
) AS next_at;

-- name: existing_ids
SELECT id FROM complaints WHERE id = ANY(%(ids)s::uuid[]);

-- name: archive_dead_letter
INSERT INTO dead_letters (message_id, queue_name, actor_name, payload, error)
VALUES (%(message_id)s, %(queue_name)s, %(actor_name)s, %(payload)s, %(error)s)
ON CONFLICT (message_id) DO UPDATE SET
    failures = dead_letters.failures + 1, last_failed_at = now(), error = EXCLUDED.error,
    payload = EXCLUDED.payload, replayed_at = NULL;

-- name: list_dead_letters
SELECT id, message_id, queue_name, actor_name, error, failures, first_failed_at,
       last_failed_at, replayed_at
FROM dead_letters
WHERE (%(queue)s::text IS NULL OR queue_name = %(queue)s)
  AND (%(actor)s::text IS NULL OR actor_name = %(actor)s)
  AND (%(pending)s = false OR replayed_at IS NULL)
ORDER BY id LIMIT %(limit)s;

-- name: get_dead_letter
SELECT * FROM dead_letters WHERE id = %(id)s;

-- name: claim_for_replay
UPDATE dead_letters SET replayed_at = now()
WHERE replayed_at IS NULL
  AND (%(id)s::bigint IS NULL OR id = %(id)s)
  AND (%(queue)s::text IS NULL OR queue_name = %(queue)s)
  AND (%(actor)s::text IS NULL OR actor_name = %(actor)s)
RETURNING id, message_id, queue_name, actor_name, payload;

-- name: purge_dead_letters
DELETE FROM dead_letters
WHERE (%(queue)s::text IS NULL OR queue_name = %(queue)s) AND replayed_at IS NOT NULL;

-- name: status_counts
SELECT
    (SELECT count(*) FROM outbox) AS outbox_backlog,
    (SELECT extract(epoch FROM now() - min(created_at)) FROM outbox)
        AS outbox_oldest_seconds,
    (SELECT count(*) FROM deadlines WHERE state = 'open' AND warned_at IS NOT NULL)
        AS deadlines_warned,
    (SELECT count(*) FROM deadlines WHERE state = 'fired' AND fired_at > now() - interval '1 hour')
        AS deadlines_breached_last_hour,
    (SELECT count(*) FROM dead_letters WHERE replayed_at IS NULL) AS dead_letters_pending,
    (SELECT coalesce(max(value), 0) FROM counters WHERE name = 'redriven') AS redriven_total;

-- name: complaints_by_status
SELECT status::text AS status, count(*) AS n FROM complaints GROUP BY 1 ORDER BY 1;

-- name: count_store_error
-- Evidence-store failures by reason in hourly counters ('evidence_store_errors:<reason>:
-- <UTC hour>'), kept for seven days: `complaints status` shows the recent ones.
WITH pruned AS (
    DELETE FROM counters
    WHERE starts_with(name, 'evidence_store_errors:')
      AND split_part(name, ':', 3) < to_char(now() AT TIME ZONE 'UTC' - interval '7 days',
                                             'YYYY-MM-DD"T"HH24')
)
INSERT INTO counters (name, value)
VALUES ('evidence_store_errors:' || %(reason)s || ':'
        || to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24'), 1)
ON CONFLICT (name) DO UPDATE SET value = counters.value + 1;

-- name: store_errors_by_reason
-- `recent`: in this UTC hour and the one before.
SELECT split_part(name, ':', 2) AS reason,
       sum(value) AS last_7_days,
       coalesce(sum(value) FILTER (
           WHERE split_part(name, ':', 3)
               >= to_char(now() AT TIME ZONE 'UTC' - interval '1 hour', 'YYYY-MM-DD"T"HH24')
       ), 0) AS recent,
       max(split_part(name, ':', 3)) AS last_hour
FROM counters
WHERE starts_with(name, 'evidence_store_errors:')
GROUP BY 1 ORDER BY 1;

-- name: lock_review_keys
-- Serialise reviews of the same buyer, order and category (the duplicate check reads the
-- others): one transaction-scoped advisory lock per key of these complaints, taken in key
-- order so two groups cannot wait on each other.
SELECT pg_advisory_xact_lock(k) FROM (
    SELECT DISTINCT hashtext(buyer_id || chr(31) || order_id || chr(31) || category::text) AS k
    FROM complaints WHERE id = ANY(%(ids)s::uuid[])
    ORDER BY k
) AS keys;

-- name: review_contexts
-- What review reads about each complaint, in one statement for a group.
SELECT c.id,
    (SELECT o.id FROM complaints o
      WHERE o.buyer_id = c.buyer_id AND o.order_id = c.order_id AND o.category = c.category
        AND o.id <> c.id AND o.admitted_at IS NOT NULL
        AND o.status NOT IN ('resolved', 'closed', 'rejected', 'withdrawn')
      LIMIT 1) AS open_duplicate,
    (SELECT count(*) FROM complaints o
      WHERE o.buyer_id = c.buyer_id AND o.order_id = c.order_id AND o.category = c.category
        AND o.id <> c.id AND o.status IN ('resolved', 'closed') AND o.outcome IS NOT NULL)
      AS decided,
    (SELECT coalesce(array_agg(e.sha256), '{}') FROM complaints o
      JOIN evidence_items e ON e.complaint_id = o.id
      WHERE o.buyer_id = c.buyer_id AND o.order_id = c.order_id
        AND o.category = c.category AND o.id <> c.id
        AND o.status IN ('resolved', 'closed') AND o.outcome IS NOT NULL) AS decided_hashes,
    (SELECT count(*) FROM complaints o
      WHERE o.buyer_id = c.buyer_id AND o.id <> c.id
        AND o.submitted_at BETWEEN c.submitted_at - interval '30 days' AND c.submitted_at)
      AS recent,
    (SELECT coalesce(array_agg(e.sha256), '{}') FROM evidence_items e
      WHERE e.complaint_id = c.id) AS own_hashes
FROM complaints c WHERE c.id = ANY(%(ids)s::uuid[]);

-- name: chain_events
SELECT complaint_id, seq, event, from_status::text, to_status::text, actor_role::text,
       actor_id, data, created_at, prev_hash, hash
FROM complaint_events
WHERE (%(id)s::uuid IS NULL OR complaint_id = %(id)s)
ORDER BY complaint_id, seq;

-- name: chain_heads
SELECT id, chain_head FROM complaints WHERE (%(id)s::uuid IS NULL OR id = %(id)s);

-- name: count_delivery
INSERT INTO message_deliveries (message_id, actor_name) VALUES (%(message_id)s, %(actor)s)
ON CONFLICT (message_id) DO UPDATE
SET deliveries = message_deliveries.deliveries + 1, last_at = now()
RETURNING deliveries;

-- name: prune_deliveries
DELETE FROM message_deliveries WHERE last_at < now() - interval '1 day';

-- name: stuck_in_pipeline
-- Complaints an automated stage should have moved on by now, with nothing in the outbox:
-- their message was lost (e.g. Redis restarted empty). Re-driving is safe: stale or
-- duplicate deliveries are skipped by the handlers. stages: the stage table's (workers.redrive).
UPDATE complaints c SET updated_at = %(now)s
FROM (
    SELECT id FROM complaints
    WHERE status = 'in_review' AND stage = ANY(%(stages)s::complaint_stage[])
      AND updated_at < %(now)s - %(stale)s::interval
    ORDER BY updated_at LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
) s
WHERE c.id = s.id
  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.complaint_id = c.id)
RETURNING c.id, c.stage::text AS stage, c.route_queue;

-- name: stuck_notifications
UPDATE notifications n SET redriven_at = %(now)s
WHERE n.id IN (
    SELECT id FROM notifications
    WHERE delivered_at IS NULL AND coalesce(redriven_at, created_at) < %(now)s - %(stale)s::interval
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.complaint_id = n.complaint_id
                  AND o.actor_name = %(notify)s)
RETURNING n.complaint_id, n.event_seq;

-- name: bump_counter
INSERT INTO counters (name, value) VALUES (%(name)s, %(by)s)
ON CONFLICT (name) DO UPDATE SET value = counters.value + EXCLUDED.value;

-- name: work_list
-- A page of a work list (pipeline.worklist): the filters given (NULL: not filtering), the
-- caller's visibility among them, after the cursor's (due, id), in (due, id) order, where
-- due is the running clock's due time and complaints without one come last. The sort
-- expression is the one the complaints_*_work_idx indexes hold, so a page is one index range.
SELECT c.id, c.status::text AS status, c.stage::text AS stage, c.category::text AS category,
       c.title, c.buyer_id, c.merchant_id, c.waiting_on::text AS waiting_on, c.due_at,
       c.escalation_level, c.claimed_by, c.claim_expires_at, c.updated_at
FROM complaints c
WHERE (%(buyer_id)s::text IS NULL OR c.buyer_id = %(buyer_id)s::text)
  AND (%(merchant_id)s::text IS NULL OR c.merchant_id = %(merchant_id)s::text)
  AND (%(waiting_on)s::party_role IS NULL OR c.waiting_on = %(waiting_on)s::party_role)
  AND (%(status)s::complaint_status IS NULL OR c.status = %(status)s::complaint_status)
  AND (%(stage)s::complaint_stage IS NULL OR c.stage = %(stage)s::complaint_stage)
  AND (%(category)s::complaint_category IS NULL
       OR c.category = %(category)s::complaint_category)
  AND (%(escalation_level)s::int IS NULL OR c.escalation_level = %(escalation_level)s::int)
  AND (%(due_before)s::timestamptz IS NULL
       OR coalesce(c.due_at, 'infinity'::timestamptz) < %(due_before)s::timestamptz)
  AND (%(q)s::text IS NULL OR c.title ILIKE %(q)s::text OR c.description ILIKE %(q)s::text)
  AND (%(case_id)s::uuid IS NULL
       OR c.case_id = %(case_id)s::uuid)
  AND (%(free_at)s::timestamptz IS NULL OR c.claimed_by IS NULL
       OR c.claim_expires_at <= %(free_at)s::timestamptz OR c.claimed_by = %(holder)s::text)
  AND (%(after_id)s::uuid IS NULL
       OR (coalesce(c.due_at, 'infinity'::timestamptz), c.id)
          > (coalesce(%(after_due)s::timestamptz, 'infinity'::timestamptz), %(after_id)s::uuid))
ORDER BY coalesce(c.due_at, 'infinity'::timestamptz), c.id
LIMIT %(limit)s;

-- name: evidence_item
SELECT * FROM evidence_items WHERE complaint_id = %(complaint_id)s AND position = %(position)s;

-- name: merchant_standing
-- A merchant's running counters, for a scorecard with no complaint in its period.
SELECT sla_breaches, penalty_points FROM merchant_stats WHERE merchant_id = %(merchant_id)s;

-- name: claim_of
SELECT claimed_by, claim_expires_at FROM complaints WHERE id = %(id)s;

-- name: latest_decision_step
-- The newest decision, proposal or appeal of a complaint: a proposal here is pending.
SELECT event, actor_id, data FROM complaint_events
WHERE complaint_id = %(complaint_id)s
  AND event IN ('platform.decision_proposed', 'platform.decide', 'platform.decide_no_remedy',
                'platform.approve_decision', 'buyer.appeal', 'merchant.appeal')
ORDER BY seq DESC LIMIT 1;

-- name: appealed_decision
-- The decision the newest appeal (the buyer's or the merchant's) appealed, its own or its
-- case's (none when the complaint was never appealed).
SELECT d.event, d.actor_id, d.data FROM complaint_events d
WHERE d.complaint_id = %(complaint_id)s
  AND d.event IN ('platform.decide', 'platform.decide_no_remedy', 'platform.approve_decision',
                  'platform.case_decide', 'platform.case_decide_no_remedy')
  AND d.seq < (SELECT max(a.seq) FROM complaint_events a
               WHERE a.complaint_id = %(complaint_id)s
                 AND a.event IN ('buyer.appeal', 'merchant.appeal'))
ORDER BY d.seq DESC LIMIT 1;

-- name: last_decision
-- The newest platform decision of a complaint, its own or its case's (none when it was
-- settled by agreement).
SELECT event, actor_id, data FROM complaint_events
WHERE complaint_id = %(complaint_id)s
  AND event IN ('platform.decide', 'platform.decide_no_remedy', 'platform.approve_decision',
                'platform.case_decide', 'platform.case_decide_no_remedy')
ORDER BY seq DESC LIMIT 1;

-- name: complaint_parties
SELECT buyer_id, merchant_id FROM complaints WHERE id = %(id)s;

-- name: api_client_by_secret
SELECT name, scopes, enabled FROM api_clients WHERE secret_sha256 = %(digest)s;

-- name: touch_api_client
UPDATE api_clients SET last_used_at = now() WHERE name = %(name)s;

-- name: create_api_client
INSERT INTO api_clients (name, secret_sha256, scopes) VALUES (%(name)s, %(digest)s, %(scopes)s)
ON CONFLICT (name) DO NOTHING RETURNING name;

-- name: rotate_api_client
UPDATE api_clients SET secret_sha256 = %(digest)s, rotated_at = now()
WHERE name = %(name)s AND enabled RETURNING name;

-- name: revoke_api_client
UPDATE api_clients SET enabled = false, revoked_at = coalesce(revoked_at, now())
WHERE name = %(name)s RETURNING name;

-- name: list_api_clients
SELECT name, scopes, enabled, created_at, rotated_at, revoked_at, last_used_at
FROM api_clients ORDER BY name;

-- name: running_clock
-- The complaint's open clock (at most one runs at a time).
SELECT * FROM deadlines WHERE complaint_id = %(complaint_id)s AND state = 'open'
ORDER BY id DESC LIMIT 1;

-- name: extension_steps
-- The extension request of one clock and its answer, newest first.
SELECT event, actor_id, data FROM complaint_events
WHERE complaint_id = %(complaint_id)s
  AND event IN ('merchant.request_extension', 'extension.granted', 'extension.refused',
                'extension.lapsed')
  AND data ->> 'deadline_id' = %(deadline_id)s::text
ORDER BY seq DESC;

-- name: extend_deadline
UPDATE deadlines SET due_at = %(due_at)s, warn_at = %(warn_at)s
WHERE id = %(id)s AND state = 'open'
RETURNING id;

-- name: count_payment_instructions
SELECT count(*) AS n FROM payment_instructions WHERE complaint_id = %(complaint_id)s;

-- name: insert_payment_instruction
INSERT INTO payment_instructions (
    idempotency_key, complaint_id, amount_cents, compensation_cents, currency, order_id,
    buyer_id, merchant_id, executed_by, created_at
) VALUES (
    %(idempotency_key)s, %(complaint_id)s, %(amount_cents)s, %(compensation_cents)s,
    %(currency)s, %(order_id)s, %(buyer_id)s, %(merchant_id)s, %(executed_by)s, %(now)s
);

-- name: payment_instruction
SELECT * FROM payment_instructions WHERE idempotency_key = %(key)s;

-- name: latest_payment_instruction
SELECT idempotency_key, amount_cents, compensation_cents, currency::text AS currency,
       executed_by::text AS executed_by, state, reference, failure, created_at, published_at,
       answered_at
FROM payment_instructions WHERE complaint_id = %(complaint_id)s
ORDER BY created_at DESC, idempotency_key DESC LIMIT 1;

-- name: answer_payment_instruction
UPDATE payment_instructions
SET state = %(state)s, reference = %(reference)s, failure = %(failure)s, answered_at = %(now)s
WHERE idempotency_key = %(key)s AND state = 'instructed'
RETURNING idempotency_key;

-- name: mark_payment_published
UPDATE payment_instructions SET published_at = coalesce(published_at, %(now)s)
WHERE idempotency_key = %(key)s;

-- name: lock_case_tallies
-- The tallies of a dispatch group's keys (merchant, product as pipeline.domain.cases.
-- product_key builds it, category), created when missing and locked until commit in key
-- order (the order every group takes them in, after its complaints).
INSERT INTO case_tallies (merchant_id, product_key, category)
SELECT k.merchant_id, k.product_key, k.category
FROM unnest(%(merchant_ids)s::text[], %(product_keys)s::text[],
            %(categories)s::complaint_category[]) AS k (merchant_id, product_key, category)
ORDER BY 1, 2, 3
ON CONFLICT (merchant_id, product_key, category)
DO UPDATE SET merchant_id = EXCLUDED.merchant_id
RETURNING merchant_id, product_key, category::text AS category,
          complaint_ids::text[] AS complaint_ids, arrived_at, case_id::text AS case_id;

-- name: save_case_tallies
UPDATE case_tallies t
SET complaint_ids = string_to_array(v.ids, ',')::uuid[],
    arrived_at = string_to_array(v.ats, ',')::timestamptz[],
    case_id = v.case_id
FROM unnest(%(merchant_ids)s::text[], %(product_keys)s::text[], %(categories)s::text[],
            %(ids)s::text[], %(ats)s::text[], %(case_ids)s::uuid[])
     AS v (merchant_id, product_key, category, ids, ats, case_id)
WHERE t.merchant_id = v.merchant_id AND t.product_key = v.product_key
  AND t.category = v.category::complaint_category;

-- name: open_case
INSERT INTO cases (merchant_id, product_key, category, opened_at, opened_by)
VALUES (%(merchant_id)s, %(product_key)s, %(category)s, %(now)s, %(complaint_id)s)
RETURNING id;

-- name: link_case_members
-- The earlier arrivals of a case that has just opened (dispatched before it formed; the
-- dispatch step itself writes the case of its own group's complaints).
UPDATE complaints SET case_id = %(case_id)s
WHERE id = ANY(%(ids)s::uuid[]) AND case_id IS NULL;

-- name: get_case
SELECT id, merchant_id, product_key, category::text AS category, opened_at, opened_by,
       decided_at
FROM cases WHERE id = %(id)s;

-- name: list_cases
-- Cases open (no decision yet) or decided, oldest first, with their number of complaints;
-- keyset after (opened_at, id).
SELECT k.id::text AS id, k.merchant_id, k.product_key, k.category::text AS category,
       k.opened_at, k.decided_at,
       (SELECT count(*) FROM complaints c WHERE c.case_id = k.id) AS complaints
FROM cases k
WHERE (k.decided_at IS NULL) = %(open)s
  AND (%(after_at)s::timestamptz IS NULL
       OR (k.opened_at, k.id) > (%(after_at)s::timestamptz, %(after_id)s::uuid))
ORDER BY k.opened_at, k.id
LIMIT %(limit)s;

-- name: case_complaints
SELECT c.id::text AS id, c.status::text AS status, c.order_amount_cents, c.created_at
FROM complaints c
WHERE c.case_id = %(case_id)s
ORDER BY c.created_at, c.id;

-- name: record_case_decision
INSERT INTO case_decisions (case_id, idempotency_key, outcome, rule, decided_by, created_at,
                            total_cents, needs_approval_above_cents)
VALUES (%(case_id)s, %(key)s, %(outcome)s, %(rule)s, %(decided_by)s, %(now)s,
        %(total_cents)s, %(needs_approval_above_cents)s)
ON CONFLICT (case_id, idempotency_key) DO NOTHING
RETURNING id;

-- name: recorded_case_decision
SELECT id, outcome, rule, decided_by, needs_approval_above_cents, approved_by
FROM case_decisions
WHERE case_id = %(case_id)s AND idempotency_key = %(key)s;

-- name: lock_case_decision
-- A decision of the case, locked until commit (two approvers take turns).
SELECT id, decided_by, needs_approval_above_cents, approved_by FROM case_decisions
WHERE id = %(id)s AND case_id = %(case_id)s
FOR UPDATE;

-- name: approve_case_decision
UPDATE case_decisions SET approved_by = %(approved_by)s, approved_at = %(now)s
WHERE id = %(id)s AND approved_by IS NULL;

-- name: case_decision
SELECT * FROM case_decisions WHERE id = %(id)s;

-- name: case_decisions_of
SELECT id, outcome, rule, decided_by, created_at, total_cents, needs_approval_above_cents,
       approved_by, approved_at,
       CASE WHEN needs_approval_above_cents IS NOT NULL AND approved_by IS NULL
            THEN 'proposed' ELSE 'applied' END AS status
FROM case_decisions
WHERE case_id = %(case_id)s ORDER BY id;

-- name: close_case
WITH tally AS (
    UPDATE case_tallies SET case_id = NULL, complaint_ids = '{}', arrived_at = '{}'
    WHERE case_id = %(case_id)s
)
UPDATE cases SET decided_at = coalesce(decided_at, %(now)s) WHERE id = %(case_id)s;

-- name: case_decision_applied
SELECT 1 FROM complaint_events
WHERE complaint_id = %(complaint_id)s
  AND event IN ('platform.case_decide', 'platform.case_decide_no_remedy')
  AND data ->> 'case_decision_id' = %(decision_id)s::text;

-- name: add_penalty
-- A penalty point, and the merchant's points within the window including it.
WITH added AS (
    INSERT INTO merchant_penalties (merchant_id, complaint_id, points, reason, at)
    VALUES (%(merchant_id)s, %(complaint_id)s, %(points)s, %(reason)s, %(now)s)
)
SELECT coalesce(sum(points), 0) + %(points)s AS total FROM merchant_penalties
WHERE merchant_id = %(merchant_id)s AND at > %(since)s;

-- name: start_supervision
-- Supervision with its merchant event, unless one is in force already.
WITH started AS (
    INSERT INTO merchant_supervision (merchant_id, since, until, points, effects)
    VALUES (%(merchant_id)s, %(now)s, %(until)s, %(points)s, %(effects)s)
    ON CONFLICT (merchant_id) WHERE lifted_at IS NULL DO NOTHING
    RETURNING id, merchant_id, since, until, points, effects
)
INSERT INTO merchant_events (merchant_id, event, actor_role, actor_id, data, created_at)
SELECT merchant_id, 'supervision.started', 'system', 'pipeline',
       jsonb_build_object('supervision_id', id, 'until', until, 'points', points,
                          'effects', to_jsonb(effects), 'complaint_id', %(complaint_id)s::text),
       %(now)s
FROM started
RETURNING id;

-- name: supervised_merchants
SELECT merchant_id FROM merchant_supervision
WHERE lifted_at IS NULL AND merchant_id = ANY(%(merchant_ids)s);

-- name: supervised_list
-- Supervision in force, newest first (keyset after id), with why: the points it started
-- at, the penalties' reasons within the window before it, and the complaint that tipped
-- it. `merchant_id` narrows it to one merchant (a merchant sees only itself).
SELECT s.id, s.merchant_id, s.since, s.until, s.points, s.effects,
       started.data ->> 'complaint_id' AS complaint_id,
       coalesce(why.reasons, '{}'::jsonb) AS reasons
FROM merchant_supervision s
LEFT JOIN LATERAL (
    SELECT e.data FROM merchant_events e
    WHERE e.merchant_id = s.merchant_id AND e.event = 'supervision.started'
      AND e.data ->> 'supervision_id' = s.id::text
    ORDER BY e.id DESC LIMIT 1
) started ON true
LEFT JOIN LATERAL (
    SELECT jsonb_object_agg(r.reason, r.n) AS reasons FROM (
        SELECT p.reason, sum(p.points) AS n FROM merchant_penalties p
        WHERE p.merchant_id = s.merchant_id
          AND p.at > s.since - %(window)s::interval AND p.at <= s.since
        GROUP BY p.reason
    ) r
) why ON true
WHERE s.lifted_at IS NULL
  AND (%(merchant_id)s::text IS NULL OR s.merchant_id = %(merchant_id)s::text)
  AND (%(after)s::bigint IS NULL OR s.id < %(after)s::bigint)
ORDER BY s.id DESC
LIMIT %(limit)s;

-- name: supervision_of
SELECT id, since, until, points, effects, lifted_at, lifted_by FROM merchant_supervision
WHERE merchant_id = %(merchant_id)s ORDER BY id DESC LIMIT 1;

-- name: lift_supervision
WITH lifted AS (
    UPDATE merchant_supervision SET lifted_at = %(now)s, lifted_by = %(by)s
    WHERE merchant_id = %(merchant_id)s AND lifted_at IS NULL
    RETURNING id, merchant_id
)
INSERT INTO merchant_events (merchant_id, event, actor_role, actor_id, data, created_at)
SELECT merchant_id, 'supervision.lifted', %(role)s::party_role, %(by)s,
       jsonb_build_object('supervision_id', id, 'by', %(how)s::text, 'text', %(text)s::text),
       %(now)s
FROM lifted
RETURNING id;

-- name: lift_expired_supervision
-- Supervision whose time is up, lifted by time (the scheduler), each with its event.
WITH due AS (
    SELECT id FROM merchant_supervision
    WHERE lifted_at IS NULL AND until <= %(now)s
    ORDER BY until LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), lifted AS (
    UPDATE merchant_supervision s SET lifted_at = %(now)s, lifted_by = 'time'
    FROM due WHERE s.id = due.id
    RETURNING s.id, s.merchant_id
)
INSERT INTO merchant_events (merchant_id, event, actor_role, actor_id, data, created_at)
SELECT merchant_id, 'supervision.lifted', 'system', 'pipeline',
       jsonb_build_object('supervision_id', id, 'by', 'time'), %(now)s
FROM lifted
RETURNING id;

-- name: merchant_events_of
SELECT id, event, actor_role::text AS actor_role, actor_id, data, created_at
FROM merchant_events WHERE merchant_id = %(merchant_id)s ORDER BY id;

-- name: penalty_points_since
SELECT coalesce(sum(points), 0) AS points FROM merchant_penalties
WHERE merchant_id = %(merchant_id)s AND at > %(since)s;

-- name: console_demo_people
-- People to sign in as on the console's development page: the latest complaints' buyers and
-- the merchants with the most complaints.
(SELECT 'buyer' AS role, buyer_id AS id FROM complaints
 GROUP BY buyer_id ORDER BY max(created_at) DESC LIMIT %(n)s)
UNION ALL
(SELECT 'merchant' AS role, merchant_id AS id FROM complaints
 GROUP BY merchant_id ORDER BY count(*) DESC, max(created_at) DESC LIMIT %(n)s);
