-- 0008: the relay deletes outbox rows in the transaction that publishes them, instead of
-- marking them sent and pruning them later. A sent mark was an update of a row in three
-- indexes (its unsent index entry made it a non-HOT update) and, ten minutes later, a
-- delete; now a row is inserted once and deleted once, and every row in the table is unsent.

DELETE FROM outbox WHERE sent_at IS NOT NULL;
DROP INDEX outbox_unsent_idx;
ALTER TABLE outbox DROP COLUMN sent_at;
