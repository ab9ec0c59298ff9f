-- 0010: two indexes of complaints that no query uses. Every complaint insert and every
-- status change (a non-HOT update) adds an entry to each index of the table, so each costs
-- on every step:
-- * complaints_merchant_idx: merchants' figures come from events and merchant_stats;
-- * complaints_order_idx: review's lookups of earlier complaints of the same order also
--   name the buyer, and go by complaints_buyer_idx (or the one-open-per-order index).

DROP INDEX complaints_merchant_idx;
DROP INDEX complaints_order_idx;
