-- Named queries; pipeline/db/queries.py loads each block by its name.

-- name: insert_complaint
INSERT INTO complaints (
    source, external_id, idempotency_key, payload_sha256, category, buyer_id, merchant_id,
    order_id, item_id, sku, order_amount_cents, currency, paid_at, delivered_at, submitted_at,
    title, description, requested_remedy, claimed_amount_cents, parent_id
) VALUES (
    %(source)s, %(external_id)s, %(idempotency_key)s, %(payload_sha256)s, %(category)s,
    %(buyer_id)s, %(merchant_id)s, %(order_id)s, %(item_id)s, %(sku)s, %(order_amount_cents)s,
    %(currency)s, %(paid_at)s, %(delivered_at)s, %(submitted_at)s, %(title)s, %(description)s,
    %(requested_remedy)s, %(claimed_amount_cents)s, %(parent_id)s
)
ON CONFLICT (source, external_id) DO NOTHING
RETURNING id;

-- name: find_by_external_id
SELECT id, payload_sha256, status FROM complaints WHERE source = %(source)s AND external_id = %(external_id)s;

-- name: insert_evidence
INSERT INTO evidence_items (
    complaint_id, position, submitted_by_role, submitted_by_id, key, kind, content_type, size,
    sha256
) VALUES (
    %(complaint_id)s, %(position)s, %(role)s, %(submitter_id)s, %(key)s, %(kind)s,
    %(content_type)s, %(size)s, %(sha256)s
);

-- name: lock_complaint
SELECT * FROM complaints WHERE id = %(id)s FOR UPDATE;

-- name: get_complaint
SELECT * FROM complaints WHERE id = %(id)s;

-- name: insert_event
INSERT INTO complaint_events (
    complaint_id, seq, event, from_status, to_status, actor_role, actor_id, data, message_id
) VALUES (
    %(complaint_id)s, %(seq)s, %(event)s, %(from_status)s, %(to_status)s, %(actor_role)s,
    %(actor_id)s, %(data)s, %(message_id)s
);

-- name: close_live_deadlines
UPDATE deadlines SET state = 'closed', closed_at = %(now)s, paused_at = NULL
WHERE complaint_id = %(complaint_id)s AND state IN ('open', 'paused');

-- name: open_deadline
INSERT INTO deadlines (complaint_id, kind, party, started_at, due_at, warn_at)
VALUES (%(complaint_id)s, %(kind)s, %(party)s, %(started_at)s, %(due_at)s, %(warn_at)s);

-- name: insert_notification
INSERT INTO notifications (complaint_id, event_seq, recipient_role, recipient_id, kind, body)
VALUES (%(complaint_id)s, %(event_seq)s, %(recipient_role)s, %(recipient_id)s, %(kind)s, %(body)s)
ON CONFLICT DO NOTHING;

-- name: insert_outbox
INSERT INTO outbox (queue_name, actor_name, payload, complaint_id)
VALUES (%(queue_name)s, %(actor_name)s, %(payload)s, %(complaint_id)s);

-- name: insert_quarantine
INSERT INTO ingest_quarantine (received_via, source, external_id, raw, errors, line_no)
VALUES (%(received_via)s, %(source)s, %(external_id)s, %(raw)s, %(errors)s, %(line_no)s)
RETURNING id;

-- name: open_duplicate
SELECT id FROM complaints
WHERE buyer_id = %(buyer_id)s AND order_id = %(order_id)s AND category = %(category)s
  AND id <> %(id)s AND admitted_at IS NOT NULL
  AND status NOT IN ('resolved', 'closed', 'rejected', 'withdrawn')
LIMIT 1;

-- name: decided_evidence_hashes
SELECT c.id, coalesce(array_agg(e.sha256) FILTER (WHERE e.sha256 IS NOT NULL), '{}') AS hashes
FROM complaints c LEFT JOIN evidence_items e ON e.complaint_id = c.id
WHERE c.buyer_id = %(buyer_id)s AND c.order_id = %(order_id)s AND c.category = %(category)s
  AND c.id <> %(id)s AND c.status IN ('resolved', 'closed') AND c.outcome IS NOT NULL
GROUP BY c.id;

-- name: recent_complaints_by_buyer
SELECT count(*) FROM complaints
WHERE buyer_id = %(buyer_id)s AND id <> %(id)s
  AND submitted_at BETWEEN %(submitted_at)s - interval '30 days' AND %(submitted_at)s;

-- name: evidence_of
SELECT * FROM evidence_items WHERE complaint_id = %(complaint_id)s ORDER BY position;

-- name: set_verdict
UPDATE evidence_items SET verdict = %(verdict)s, detail = %(detail)s, checked_at = %(now)s
WHERE id = %(id)s;

-- name: count_merchant_received
INSERT INTO merchant_stats (merchant_id, complaints_received) VALUES (%(merchant_id)s, 1)
ON CONFLICT (merchant_id) DO UPDATE
SET complaints_received = merchant_stats.complaints_received + 1, updated_at = now();

-- name: pending_notifications
SELECT n.*, c.status FROM notifications n JOIN complaints c ON c.id = n.complaint_id
WHERE n.complaint_id = %(complaint_id)s AND n.event_seq = %(event_seq)s
  AND n.delivered_at IS NULL
ORDER BY n.id
FOR UPDATE OF n SKIP LOCKED;

-- name: mark_delivered
UPDATE notifications SET delivered_at = %(now)s, attempts = attempts + 1 WHERE id = %(id)s;

-- name: claim_outbox
SELECT id, message_id, queue_name, actor_name, payload FROM outbox
WHERE sent_at IS NULL ORDER BY id LIMIT %(limit)s FOR UPDATE SKIP LOCKED;

-- name: mark_outbox_sent
UPDATE outbox SET sent_at = now() WHERE id = ANY(%(ids)s);

-- name: prune_outbox
DELETE FROM outbox WHERE sent_at < now() - %(keep)s::interval;

-- name: pipeline_progress
SELECT
    count(*) AS complaints,
    (SELECT count(*) FROM ingest_quarantine
      WHERE received_via = 'queue' AND source = %(source)s) AS quarantined,
    count(*) FILTER (WHERE status = 'rejected' OR stage NOT IN ('intake', 'review'))
      AS reviewed,
    count(*) FILTER (WHERE status = 'awaiting_evidence' OR stage IN ('route', 'dispatch', 'parties'))
      AS evidence_checked,
    count(*) FILTER (WHERE status = 'awaiting_merchant') AS dispatched,
    count(*) FILTER (
      WHERE status = 'received'
         OR (status = 'in_review' AND stage IN ('intake', 'review', 'evidence', 'route', 'dispatch'))
    ) AS in_flight,
    (SELECT count(*) FROM notifications n JOIN complaints c ON c.id = n.complaint_id
      WHERE c.source = %(source)s) AS notifications,
    (SELECT count(*) FROM notifications n JOIN complaints c ON c.id = n.complaint_id
      WHERE c.source = %(source)s AND n.delivered_at IS NOT NULL) AS delivered,
    (SELECT count(*) FROM outbox WHERE sent_at IS NULL) AS outbox_backlog
FROM complaints WHERE source = %(source)s;

-- name: summary_by_status_category
SELECT status::text, category::text, count(*) AS n FROM complaints
WHERE source = %(source)s GROUP BY 1, 2 ORDER BY 1, 2;

-- name: summary_rejections
SELECT rejection_reason, count(*) AS n FROM complaints
WHERE source = %(source)s AND status = 'rejected' GROUP BY 1 ORDER BY 2 DESC;

-- name: summary_verdicts
SELECT coalesce(e.verdict::text, 'unchecked') AS verdict, count(*) AS n
FROM evidence_items e JOIN complaints c ON c.id = e.complaint_id
WHERE c.source = %(source)s GROUP BY 1 ORDER BY 2 DESC;
