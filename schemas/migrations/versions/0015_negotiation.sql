-- 0015: negotiation (DESIGN §8). New statuses are appended: an enum keeps creation order.

ALTER TYPE complaint_status ADD VALUE IF NOT EXISTS 'buyer_countered';
ALTER TYPE complaint_status ADD VALUE IF NOT EXISTS 'awaiting_information';
ALTER TYPE complaint_status ADD VALUE IF NOT EXISTS 'awaiting_return';
ALTER TYPE complaint_status ADD VALUE IF NOT EXISTS 'return_in_transit';
