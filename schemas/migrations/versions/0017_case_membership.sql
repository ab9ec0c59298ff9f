-- 0017: a complaint's case is a column of the complaint, written by the dispatch step that
-- counts it (issue #25: the case check inside dispatch's own update costs no row of its own
-- per arrival). No foreign key, as case_members had none (0016): the value comes from a case
-- locked or opened in the same transaction, and cases are never deleted.
ALTER TABLE complaints ADD COLUMN case_id uuid;
UPDATE complaints c SET case_id = m.case_id FROM case_members m WHERE m.complaint_id = c.id;
CREATE INDEX complaints_case_idx ON complaints (case_id) WHERE case_id IS NOT NULL;
DROP TABLE case_members;
