-- The card ledger. One file runs on SQLite and PostgreSQL: only BIGINT, TEXT, CHECK, UNIQUE and
-- indexes, plus two SQLite storage hints the migration runner drops on PostgreSQL (db.rs):
-- `INTEGER PRIMARY KEY` (a rowid alias on SQLite, so the table needs no separate key index;
-- BIGINT PRIMARY KEY on PostgreSQL) and `WITHOUT ROWID` (the table is its primary-key b-tree).
-- Money is integer fen (BIGINT). Times are microseconds since the Unix epoch (BIGINT);
-- dates are 'YYYY-MM-DD' (Asia/Shanghai business days). Ids are assigned by the application from
-- id_alloc blocks, not by sequences, so the hot tables can later be distributed (Citus/YugabyteDB).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Hi/lo id blocks: a writer reserves a block in its own short transaction, then hands out ids
-- from memory. No shared sequence is touched per row.
CREATE TABLE id_alloc (
    name    TEXT PRIMARY KEY,
    next_id BIGINT NOT NULL
);

CREATE TABLE rules (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL,
    scopes        TEXT NOT NULL DEFAULT '',
    password_hash TEXT,
    active        BIGINT NOT NULL DEFAULT 1,
    created_at    BIGINT NOT NULL
);

CREATE TABLE regions (
    code       TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);

CREATE TABLE malls (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    region     TEXT NOT NULL REFERENCES regions (code),
    city_tier  BIGINT NOT NULL CHECK (city_tier BETWEEN 1 AND 4),
    created_at BIGINT NOT NULL
);

-- Ledger accounts. `normal` is +1 for debit-normal (asset, expense) and -1 for credit-normal
-- (liability, income) accounts; balance = normal * sum(postings.amount) always holds.
CREATE TABLE accounts (
    id      INTEGER PRIMARY KEY,
    kind    TEXT NOT NULL,
    owner   TEXT NOT NULL,
    normal  BIGINT NOT NULL CHECK (normal IN (-1, 1)),
    balance BIGINT NOT NULL DEFAULT 0,
    -- per-account change counter: orders a card's activity timeline
    version BIGINT NOT NULL DEFAULT 0,
    UNIQUE (kind, owner),
    -- the last line of defence: a card can never be overdrawn, whatever the code above does
    CHECK (kind <> 'card' OR balance >= 0)
);

CREATE TABLE merchants (
    id         INTEGER PRIMARY KEY,
    mall       TEXT NOT NULL REFERENCES malls (code),
    name       TEXT NOT NULL,
    category   TEXT NOT NULL,
    active     BIGINT NOT NULL DEFAULT 1,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX merchants_mall ON merchants (mall);

-- Personal data is only stored encrypted (SM4-GCM); lookups go through keyed blind indexes.
CREATE TABLE members (
    id             INTEGER PRIMARY KEY,
    name_enc       TEXT NOT NULL,
    id_number_enc  TEXT NOT NULL,
    phone_enc      TEXT NOT NULL,
    name_masked    TEXT NOT NULL,
    phone_masked   TEXT NOT NULL,
    id_number_bidx TEXT NOT NULL UNIQUE,
    phone_bidx     TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX members_phone ON members (phone_bidx);

CREATE TABLE cards (
    id          INTEGER PRIMARY KEY,
    number      TEXT NOT NULL UNIQUE,
    card_type   TEXT NOT NULL,
    registered  BIGINT NOT NULL,
    member_id   BIGINT REFERENCES members (id),
    mall        TEXT REFERENCES malls (code),
    status      TEXT NOT NULL,
    account_id  BIGINT NOT NULL UNIQUE REFERENCES accounts (id),
    issued_at   BIGINT NOT NULL,
    expires_on  TEXT,
    replaced_by BIGINT,
    issue_ref   TEXT
);
CREATE INDEX cards_member ON cards (member_id);
CREATE INDEX cards_status ON cards (status, id);

-- Per-shard tamper-evidence chains. A writer takes one chain row for its transaction
-- (SQLite: always chain 0; PostgreSQL: any free one, FOR UPDATE SKIP LOCKED), so no single
-- global head serializes every commit.
CREATE TABLE chains (
    id           INTEGER PRIMARY KEY,
    journal_seq  BIGINT NOT NULL,
    journal_head TEXT NOT NULL,
    audit_seq    BIGINT NOT NULL,
    audit_head   TEXT NOT NULL
);

CREATE TABLE journal_entries (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    ref        TEXT NOT NULL,
    actor      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    memo       TEXT NOT NULL DEFAULT '',
    -- the entry this one reverses; a unique index makes "reverse once" a database fact
    reverses   BIGINT,
    chain      BIGINT NOT NULL,
    chain_seq  BIGINT NOT NULL,
    hash       TEXT NOT NULL,
    UNIQUE (chain, chain_seq)
);
-- Partial: the ordinary entry (reverses nothing) pays no index cost.
CREATE UNIQUE INDEX journal_reverses ON journal_entries (reverses) WHERE reverses IS NOT NULL;

-- Postings are insert-only: never updated, never deleted. Debit positive, credit negative.
CREATE TABLE postings (
    entry_id   BIGINT NOT NULL REFERENCES journal_entries (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    amount     BIGINT NOT NULL,
    PRIMARY KEY (entry_id, account_id)
) WITHOUT ROWID;
-- No index by account: balances live in `accounts`, a card's history in card_activities, and
-- `verify` sums postings per account in one pass. Every index here costs every purchase.

-- One row per card loaded by a top-up or a batch sale, for channel reconciliation.
CREATE TABLE topups (
    entry_id   BIGINT NOT NULL REFERENCES journal_entries (id),
    card_id    BIGINT NOT NULL,
    amount     BIGINT NOT NULL,
    channel    TEXT NOT NULL,
    funding    TEXT NOT NULL,
    payer_type TEXT NOT NULL,
    ref        TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (entry_id, card_id)
);

CREATE TABLE payments (
    id               INTEGER PRIMARY KEY,
    card_id          BIGINT NOT NULL REFERENCES cards (id),
    merchant_id      BIGINT NOT NULL REFERENCES merchants (id),
    amount           BIGINT NOT NULL CHECK (amount > 0),
    refunded         BIGINT NOT NULL DEFAULT 0,
    medium           TEXT NOT NULL,
    checkout_seconds BIGINT,
    entry_id         BIGINT NOT NULL REFERENCES journal_entries (id),
    created_at       BIGINT NOT NULL,
    CHECK (refunded >= 0 AND refunded <= amount)
);
CREATE INDEX payments_card ON payments (card_id);
CREATE INDEX payments_merchant ON payments (merchant_id, created_at);

CREATE TABLE refunds (
    id         INTEGER PRIMARY KEY,
    payment_id BIGINT NOT NULL REFERENCES payments (id),
    amount     BIGINT NOT NULL CHECK (amount > 0),
    entry_id   BIGINT NOT NULL REFERENCES journal_entries (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX refunds_payment ON refunds (payment_id);

-- Every change of a card, money or not, with the card's balance after it.
CREATE TABLE card_activities (
    card_id       BIGINT NOT NULL,
    seq           BIGINT NOT NULL,
    kind          TEXT NOT NULL,
    amount        BIGINT NOT NULL,
    balance_after BIGINT NOT NULL,
    entry_id      BIGINT,
    actor         TEXT NOT NULL,
    at            BIGINT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (card_id, seq)
) WITHOUT ROWID;

-- (kind, ref) of every money-moving request, the hash of the request and the first response.
CREATE TABLE idempotency (
    kind         TEXT NOT NULL,
    ref          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (kind, ref)
) WITHOUT ROWID;

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    chain     BIGINT NOT NULL,
    chain_seq BIGINT NOT NULL,
    hash      TEXT NOT NULL,
    UNIQUE (chain, chain_seq)
);

-- Periodic anchors: one chain over the heads of every shard chain.
CREATE TABLE anchors (
    seq   BIGINT PRIMARY KEY,
    at    BIGINT NOT NULL,
    heads TEXT NOT NULL,
    hash  TEXT NOT NULL
);

-- Used QR nonces: a screenshot of a code cannot pay twice.
CREATE TABLE qr_used (
    nonce   TEXT PRIMARY KEY,
    card_id BIGINT NOT NULL,
    used_at BIGINT NOT NULL
);
