-- 0014: what lists filter and sort on sits on the complaint row, so one index answers a
-- page: the party whose clock runs (waiting_on) and that clock's due time (due_at), both
-- written with the step that moves the clock; and the staff claim (holder and lease).
-- Pages sort by (coalesce(due_at, 'infinity'), id): complaints without a running clock last.

ALTER TABLE complaints ADD COLUMN waiting_on party_role
    CHECK (waiting_on IN ('buyer', 'merchant', 'platform'));
ALTER TABLE complaints ADD COLUMN due_at timestamptz;
ALTER TABLE complaints ADD COLUMN claimed_by text CHECK (char_length(claimed_by) BETWEEN 1 AND 128);
ALTER TABLE complaints ADD COLUMN claim_expires_at timestamptz;
ALTER TABLE complaints ADD CONSTRAINT complaints_claim_has_lease
    CHECK ((claimed_by IS NULL) = (claim_expires_at IS NULL));

UPDATE complaints c SET waiting_on = d.party, due_at = d.due_at
FROM deadlines d WHERE d.complaint_id = c.id AND d.state = 'open';

DROP INDEX complaints_buyer_idx;
CREATE INDEX complaints_buyer_work_idx
    ON complaints (buyer_id, (coalesce(due_at, 'infinity'::timestamptz)), id);
CREATE INDEX complaints_merchant_work_idx
    ON complaints (merchant_id, waiting_on, (coalesce(due_at, 'infinity'::timestamptz)), id);
CREATE INDEX complaints_waiting_work_idx
    ON complaints (waiting_on, (coalesce(due_at, 'infinity'::timestamptz)), id);
CREATE INDEX complaints_escalated_work_idx
    ON complaints (escalation_level, (coalesce(due_at, 'infinity'::timestamptz)), id)
    WHERE escalation_level > 0;
