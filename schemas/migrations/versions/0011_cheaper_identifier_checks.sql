-- 0011: the identifier CHECKs, same rules, cheaper to evaluate. PostgreSQL's regex engine
-- expands a bounded repeat such as `{1,128}` into that many states, and every CHECK of a
-- table runs on every INSERT and UPDATE of a row, whichever columns changed: the five
-- identifier patterns made each update of a complaint row (four per complaint) about
-- twice as expensive as the same update without them. A length test plus an unbounded
-- `+` accepts exactly the same values.
-- The new constraints are added NOT VALID and validated after, which reads the table
-- without blocking reads (all in this migration's transaction, so writes wait for it).

ALTER TABLE complaints
    DROP CONSTRAINT complaints_source_check,
    DROP CONSTRAINT complaints_external_id_check,
    DROP CONSTRAINT complaints_buyer_id_check,
    DROP CONSTRAINT complaints_merchant_id_check,
    DROP CONSTRAINT complaints_order_id_check,
    ADD CONSTRAINT complaints_source_check
        CHECK (char_length(source) BETWEEN 1 AND 64 AND source ~ '^[a-z0-9-]+$') NOT VALID,
    ADD CONSTRAINT complaints_external_id_check
        CHECK (char_length(external_id) BETWEEN 1 AND 128
               AND external_id ~ '^[A-Za-z0-9_.:-]+$') NOT VALID,
    ADD CONSTRAINT complaints_buyer_id_check
        CHECK (char_length(buyer_id) BETWEEN 1 AND 128
               AND buyer_id ~ '^[A-Za-z0-9_.:-]+$') NOT VALID,
    ADD CONSTRAINT complaints_merchant_id_check
        CHECK (char_length(merchant_id) BETWEEN 1 AND 128
               AND merchant_id ~ '^[A-Za-z0-9_.:-]+$') NOT VALID,
    ADD CONSTRAINT complaints_order_id_check
        CHECK (char_length(order_id) BETWEEN 1 AND 128
               AND order_id ~ '^[A-Za-z0-9_.:-]+$') NOT VALID;

ALTER TABLE complaints VALIDATE CONSTRAINT complaints_source_check;
ALTER TABLE complaints VALIDATE CONSTRAINT complaints_external_id_check;
ALTER TABLE complaints VALIDATE CONSTRAINT complaints_buyer_id_check;
ALTER TABLE complaints VALIDATE CONSTRAINT complaints_merchant_id_check;
ALTER TABLE complaints VALIDATE CONSTRAINT complaints_order_id_check;

-- Evidence rows are inserted at intake and updated with their verdict by the evidence stage.
ALTER TABLE evidence_items
    DROP CONSTRAINT evidence_items_sha256_check,
    ADD CONSTRAINT evidence_items_sha256_check
        CHECK (char_length(sha256) = 64 AND sha256 ~ '^[0-9a-f]+$') NOT VALID;
ALTER TABLE evidence_items VALIDATE CONSTRAINT evidence_items_sha256_check;
