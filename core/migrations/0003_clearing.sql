-- Merchants and the clearing center: onboarding, fee rules, T+1 settlement, payouts, reserve and
-- channel reconciliation, merchant rating. Money is integer fen, rates are basis points.

-- Onboarding. `active` (0/1) stays the flag the purchase path reads: it is 1 only in status
-- `active`. A suspended merchant takes no payments but is still settled for what it sold.
ALTER TABLE merchants ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE merchants ADD COLUMN account_manager TEXT NOT NULL DEFAULT 'admin';
-- The contract rate (overrides the category's base rate); NULL = none.
ALTER TABLE merchants ADD COLUMN fee_bps BIGINT;
ALTER TABLE merchants ADD COLUMN credit_code TEXT;
ALTER TABLE merchants ADD COLUMN brand_auth TEXT;
ALTER TABLE merchants ADD COLUMN contact TEXT;
ALTER TABLE merchants ADD COLUMN settlement_account TEXT;
ALTER TABLE merchants ADD COLUMN contract_start TEXT;
-- The last rating grade (A-D), for grade fee adjustments; NULL = not rated yet.
ALTER TABLE merchants ADD COLUMN grade TEXT;
-- In the support plan (a configured fee discount) for this month 'YYYY-MM', if any.
ALTER TABLE merchants ADD COLUMN support_month TEXT;

-- Every onboarding transition: who, why, from what to what.
CREATE TABLE merchant_events (
    id          INTEGER PRIMARY KEY,
    merchant_id BIGINT NOT NULL REFERENCES merchants (id),
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    actor       TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL
);
CREATE INDEX merchant_events_merchant ON merchant_events (merchant_id, id);

-- Fee rates. A row without dates is a category's base rate (the latest row wins; old rows are
-- history); a row with dates is a promotional rate for those business days (inclusive).
CREATE TABLE fee_rules (
    id         INTEGER PRIMARY KEY,
    category   TEXT NOT NULL,
    bps        BIGINT NOT NULL CHECK (bps >= 0 AND bps <= 10000),
    valid_from TEXT,
    valid_to   TEXT,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);
-- Adjustments added to the rate only where configured: kind 'grade' (key A..D), 'volume' (key:
-- the monthly purchase volume in fen from which it applies), 'support' (key 'plan').
CREATE TABLE fee_adjustments (
    kind       TEXT NOT NULL,
    akey       TEXT NOT NULL,
    bps        BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (kind, akey)
);
-- Settings of the clearing center (fee split, channel drift, rating weights and grades).
CREATE TABLE clearing_settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);

-- The rate in force at payment time and the fee it gave, stored with the payment, so a later
-- rule change never rewrites history. A refund stores the fee it returned.
ALTER TABLE payments ADD COLUMN fee_bps BIGINT NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN fee BIGINT NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN fee_refunded BIGINT NOT NULL DEFAULT 0;
ALTER TABLE refunds ADD COLUMN fee BIGINT NOT NULL DEFAULT 0;
-- Settlement reads one business day of payments and refunds.
CREATE INDEX payments_created ON payments (created_at);
CREATE INDEX refunds_created ON refunds (created_at);

-- Payouts on their way to merchants' banks (a liability until the bank confirms).
INSERT INTO accounts (id, kind, owner, normal, balance, version) VALUES (101, 'merchant_payout', 'bank', -1, 0, 0);

-- One settlement batch per business day.
CREATE TABLE settlement_batches (
    id           INTEGER PRIMARY KEY,
    day          TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    actor        TEXT NOT NULL,
    merchants    BIGINT NOT NULL,
    gross        BIGINT NOT NULL,
    refunds      BIGINT NOT NULL,
    fees         BIGINT NOT NULL,
    fee_issuer   BIGINT NOT NULL,
    fee_operator BIGINT NOT NULL,
    net          BIGINT NOT NULL,
    payout       BIGINT NOT NULL,
    entry_id     BIGINT
);
-- net = gross - refunds - fees (the day); payout = net + carry_in when positive, else 0 and
-- carry_out = net + carry_in (a negative net carries forward). carry_in holds the previous
-- batch's carry_out and payouts the bank returned since.
CREATE TABLE settlement_lines (
    batch_id        BIGINT NOT NULL REFERENCES settlement_batches (id),
    merchant_id     BIGINT NOT NULL REFERENCES merchants (id),
    gross           BIGINT NOT NULL,
    refunds         BIGINT NOT NULL,
    fees            BIGINT NOT NULL,
    fee_issuer      BIGINT NOT NULL,
    fee_operator    BIGINT NOT NULL,
    net             BIGINT NOT NULL,
    carry_in        BIGINT NOT NULL,
    payout          BIGINT NOT NULL,
    carry_out       BIGINT NOT NULL,
    -- none (nothing to pay) / pending / paid / returned
    status          TEXT NOT NULL,
    -- the batch that took a returned payout back in
    recarried_batch BIGINT,
    PRIMARY KEY (batch_id, merchant_id)
);
CREATE INDEX settlement_lines_merchant ON settlement_lines (merchant_id, batch_id);

-- Complaints recorded against merchants (rating input).
CREATE TABLE complaints (
    id          INTEGER PRIMARY KEY,
    merchant_id BIGINT NOT NULL REFERENCES merchants (id),
    kind        TEXT NOT NULL DEFAULT 'complaint',
    note        TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX complaints_merchant ON complaints (merchant_id, at);

-- Imported files (custody statements, channel statements), refused twice by content hash.
CREATE TABLE finance_imports (
    hash       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    rows_count BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    at         BIGINT NOT NULL
);

-- The custody bank's daily statement.
CREATE TABLE custody_statements (
    day        TEXT PRIMARY KEY,
    opening    BIGINT NOT NULL,
    inflows    BIGINT NOT NULL,
    outflows   BIGINT NOT NULL,
    closing    BIGINT NOT NULL,
    import_hash TEXT NOT NULL
);

-- Channel statement lines, matched against top-ups.
CREATE TABLE channel_lines (
    id          INTEGER PRIMARY KEY,
    channel     TEXT NOT NULL,
    ref         TEXT NOT NULL,
    amount      BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    day         TEXT NOT NULL,
    import_hash TEXT NOT NULL
);
CREATE INDEX channel_lines_day ON channel_lines (day, channel);
-- Exceptions found by channel reconciliation and how finance resolved them.
CREATE TABLE channel_exceptions (
    id          INTEGER PRIMARY KEY,
    day         TEXT NOT NULL,
    side        TEXT NOT NULL,
    channel     TEXT NOT NULL,
    ref         TEXT NOT NULL,
    amount      BIGINT NOT NULL,
    reason      TEXT NOT NULL,
    resolved_at BIGINT,
    resolved_by TEXT,
    note        TEXT,
    UNIQUE (day, side, channel, ref)
);

-- Monthly merchant ratings.
CREATE TABLE merchant_ratings (
    month       TEXT NOT NULL,
    merchant_id BIGINT NOT NULL REFERENCES merchants (id),
    sales       BIGINT NOT NULL,
    returns     BIGINT NOT NULL,
    complaints  BIGINT NOT NULL,
    disputes    BIGINT NOT NULL,
    checkout    BIGINT NOT NULL,
    score       BIGINT NOT NULL,
    grade       TEXT NOT NULL,
    watch       BIGINT NOT NULL,
    support     BIGINT NOT NULL,
    PRIMARY KEY (month, merchant_id)
);
