-- 0009: two foreign keys that checked nothing the schema does not already hold, each a
-- lookup and a key-share lock of the complaint row for every row inserted:
-- * notifications -> complaints: a notification references its event
--   (notifications_complaint_id_event_seq_fkey), and the event references the complaint;
-- * outbox -> complaints: outbox rows live until the relay publishes them (milliseconds),
--   complaints are never deleted, and complaint_id there only serves the re-drive's
--   lookup of complaints with work still queued.

ALTER TABLE notifications DROP CONSTRAINT notifications_complaint_id_fkey;
ALTER TABLE outbox DROP CONSTRAINT outbox_complaint_id_fkey;
