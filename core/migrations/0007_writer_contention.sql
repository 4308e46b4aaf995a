-- What several PostgreSQL writers at once (a mall group's shared database) measured as their
-- bottlenecks (BENCHMARKS.md, issue 2), and what changes for them.
--
-- 1. The idempotency lookup: every batch asks for its refs of one kind (kind = ? AND ref IN
--    (...)). With (kind, ref) as the key, a planner whose statistics predate a kind's first rows
--    reads every row of that kind and filters the refs; with ref first the refs are always the
--    index condition. Rebuilt, since neither backend reorders a primary key in place.
CREATE TABLE idempotency_v2 (
    kind         TEXT NOT NULL,
    ref          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (ref, kind)
) WITHOUT ROWID;
INSERT INTO idempotency_v2 (kind, ref, request_hash, response, created_at)
    SELECT kind, ref, request_hash, response, created_at FROM idempotency;
DROP TABLE idempotency;
ALTER TABLE idempotency_v2 RENAME TO idempotency;

-- 2. Foreign key checks of the ledger's insert-only tables. Each inserted row runs a lookup
--    of the row it points at and takes a KEY SHARE lock on it. Two of those rows are shared by
--    every writer (a merchant's payable account, the merchant), so every purchase of every
--    writer added itself to their lockers (a MultiXact per change of the set of lockers). The
--    others point at rows of the same transaction (its journal entry, the payment it refunds),
--    and PostgreSQL keeps each session's plan of that lookup: planned when the table was tiny
--    (right after `init`), it stays a sequential scan while the table grows, until the next
--    ANALYZE (measured: an ANALYZE right after the benchmark's set-up halved its rate). The
--    writer resolves every reference in the transaction that inserts the row, nothing in the
--    ledger is ever deleted, and `verify` reports a row whose reference does not exist
--    (orphan_* problems). SQLite has one writer and keeps its checks (dropping one there would
--    mean rebuilding the largest tables).
POSTGRES ALTER TABLE postings DROP CONSTRAINT IF EXISTS postings_entry_id_fkey;
POSTGRES ALTER TABLE postings DROP CONSTRAINT IF EXISTS postings_account_id_fkey;
POSTGRES ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_card_id_fkey;
POSTGRES ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_merchant_id_fkey;
POSTGRES ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_entry_id_fkey;
POSTGRES ALTER TABLE topups DROP CONSTRAINT IF EXISTS topups_entry_id_fkey;
POSTGRES ALTER TABLE refunds DROP CONSTRAINT IF EXISTS refunds_payment_id_fkey;
POSTGRES ALTER TABLE refunds DROP CONSTRAINT IF EXISTS refunds_entry_id_fkey;
