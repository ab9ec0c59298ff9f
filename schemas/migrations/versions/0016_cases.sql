-- 0016: case_members loses its two foreign keys. Each was a trigger run per linked row (a
-- lookup in complaints' and in cases' primary key through SPI), about a third of the case
-- count's PostgreSQL time in a burst (benchmarks.case_bench). The rows are written only by
-- count_case_arrivals, which takes the complaint ids from complaints itself in the same
-- statement and the case id from the locked tally (whose case_id keeps its foreign key),
-- and by link_case_members, with ids from that tally and a case opened in the same
-- transaction; complaints and cases are never deleted.
ALTER TABLE case_members
    DROP CONSTRAINT case_members_complaint_id_fkey,
    DROP CONSTRAINT case_members_case_id_fkey;

-- A case decision whose remedy, over all the case's complaints, exceeds the four-eyes amount
-- is recorded as proposed and fans out when a second staff member approves it.
ALTER TABLE case_decisions
    ADD COLUMN total_cents bigint NOT NULL DEFAULT 0,
    ADD COLUMN needs_approval_above_cents bigint,
    ADD COLUMN approved_by text,
    ADD COLUMN approved_at timestamptz,
    ADD CONSTRAINT case_decisions_four_eyes CHECK (approved_by IS DISTINCT FROM decided_by),
    ADD CONSTRAINT case_decisions_approval CHECK ((approved_by IS NULL) = (approved_at IS NULL));
