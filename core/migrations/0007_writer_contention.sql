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

-- 2. A foreign key check takes a KEY SHARE lock on the row it points at. A posting to a
--    merchant's payable and a payment to a merchant point at rows every writer shares, so each
--    purchase of every writer added itself to that row's lockers (a MultiXact per change of the
--    set of lockers). The writer resolves both in the same transaction before it inserts,
--    accounts and merchants are never deleted, and `verify` reports a posting to an account or
--    a payment to a merchant that does not exist. SQLite has one writer and keeps its checks
--    (dropping one there would mean rebuilding the two largest tables).
POSTGRES ALTER TABLE postings DROP CONSTRAINT IF EXISTS postings_account_id_fkey;
POSTGRES ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_merchant_id_fkey;
