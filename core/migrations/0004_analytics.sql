-- The synced operations database and the dashboards' rollups (issue 5).
-- Days are 'YYYY-MM-DD' Asia/Shanghai business days, months 'YYYY-MM'; money is integer fen.
--
-- A mall's mode over time: the mode of a mall on a day is that of the latest period whose
-- `since` is on or before the day. Rollups are NOT keyed by mode: the dashboards map (mall, day)
-- to a mode when they read, so a corrected timeline (`mall set-mode`) is right at once, with no
-- rollup to rewrite.
CREATE TABLE mall_modes (
    mall   TEXT NOT NULL REFERENCES malls (code),
    since  TEXT NOT NULL,
    mode   TEXT NOT NULL CHECK (mode IN ('traditional', 'card', 'ecommerce')),
    set_at BIGINT NOT NULL,
    set_by TEXT NOT NULL,
    PRIMARY KEY (mall, since)
);
-- Malls that existed before the timeline: card mode throughout (they were added to run cards).
INSERT INTO mall_modes (mall, since, mode, set_at, set_by) SELECT code, '1900-01-01', 'card', created_at, 'migration' FROM malls;

-- One row per imported file; the content hash refuses the same file twice.
CREATE TABLE imports (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    row_count    BIGINT NOT NULL,
    actor        TEXT NOT NULL,
    imported_at  BIGINT NOT NULL,
    UNIQUE (kind, content_hash)
);

-- Raw imported rows (kept for audit and for recomputing the rollups; dashboards never scan them).
CREATE TABLE imported_sales (
    import_id        BIGINT NOT NULL,
    mall             TEXT NOT NULL,
    merchant         BIGINT NOT NULL,
    channel          TEXT NOT NULL CHECK (channel IN ('till', 'online')),
    txn_id           TEXT NOT NULL,
    at               BIGINT NOT NULL,
    day              TEXT NOT NULL,
    amount           BIGINT NOT NULL CHECK (amount > 0),
    customer_id      TEXT NOT NULL DEFAULT '',
    member           BIGINT NOT NULL,
    checkout_seconds BIGINT,
    returned         BIGINT NOT NULL,
    -- the till's record of a card purchase: already counted from the ledger, never twice
    card_payment_id  BIGINT
);
CREATE INDEX imported_sales_merchant ON imported_sales (merchant, day);

CREATE TABLE imported_footfall (
    import_id BIGINT NOT NULL,
    mall      TEXT NOT NULL,
    day       TEXT NOT NULL,
    hour      BIGINT NOT NULL CHECK (hour BETWEEN 0 AND 23),
    entries   BIGINT NOT NULL CHECK (entries >= 0)
);

CREATE TABLE imported_marketing (
    import_id BIGINT NOT NULL,
    mall      TEXT NOT NULL,
    month     TEXT NOT NULL,
    spend     BIGINT NOT NULL CHECK (spend >= 0),
    targeted  BIGINT NOT NULL CHECK (targeted >= 0),
    delivered BIGINT NOT NULL CHECK (delivered >= 0)
);

CREATE TABLE imported_members (
    import_id        BIGINT NOT NULL,
    mall             TEXT NOT NULL,
    day              TEXT NOT NULL,
    new_members      BIGINT NOT NULL CHECK (new_members >= 0),
    visitors_reached BIGINT NOT NULL CHECK (visitors_reached >= 0)
);

CREATE TABLE imported_inventory (
    import_id     BIGINT NOT NULL,
    merchant      BIGINT NOT NULL,
    day           TEXT NOT NULL,
    stock_at_cost BIGINT NOT NULL CHECK (stock_at_cost >= 0),
    cogs          BIGINT NOT NULL CHECK (cogs >= 0)
);

-- Rollups, kept current in the same transaction by imports and by the ledger's flush.
-- Sales per mall, merchant, day and channel ('card' for ledger purchases, 'till', 'online').
-- returns = returned sales (a card payment counts once, on the day of its first refund);
-- return_amount = card refunds + amounts of returned imported sales.
CREATE TABLE r_sales (
    mall          TEXT NOT NULL,
    merchant      BIGINT NOT NULL,
    day           TEXT NOT NULL,
    channel       TEXT NOT NULL,
    sales         BIGINT NOT NULL,
    amount        BIGINT NOT NULL,
    returns       BIGINT NOT NULL,
    return_amount BIGINT NOT NULL,
    checkout_sum  BIGINT NOT NULL,
    checkout_n    BIGINT NOT NULL,
    PRIMARY KEY (mall, merchant, day, channel)
) WITHOUT ROWID;
CREATE INDEX r_sales_day ON r_sales (day);

-- The mode comparison's grain: one row per mall and day.
CREATE TABLE r_mall_day (
    mall             TEXT NOT NULL,
    day              TEXT NOT NULL,
    footfall         BIGINT NOT NULL,
    new_members      BIGINT NOT NULL,
    visitors_reached BIGINT NOT NULL,
    sales            BIGINT NOT NULL,
    amount           BIGINT NOT NULL,
    return_amount    BIGINT NOT NULL,
    PRIMARY KEY (mall, day)
) WITHOUT ROWID;
CREATE INDEX r_mall_day_day ON r_mall_day (day);

CREATE TABLE r_mall_month (
    mall      TEXT NOT NULL,
    month     TEXT NOT NULL,
    spend     BIGINT NOT NULL,
    targeted  BIGINT NOT NULL,
    delivered BIGINT NOT NULL,
    PRIMARY KEY (mall, month)
) WITHOUT ROWID;

CREATE TABLE r_inventory (
    merchant  BIGINT NOT NULL,
    day       TEXT NOT NULL,
    stock_sum BIGINT NOT NULL,
    stock_n   BIGINT NOT NULL,
    cogs      BIGINT NOT NULL,
    PRIMARY KEY (merchant, day)
) WITHOUT ROWID;

-- Card purchases by card type: hour of day (weekday comes from the day), category, ticket bucket.
CREATE TABLE r_card_hour (
    mall      TEXT NOT NULL,
    day       TEXT NOT NULL,
    card_type TEXT NOT NULL,
    hour      BIGINT NOT NULL,
    n         BIGINT NOT NULL,
    amount    BIGINT NOT NULL,
    PRIMARY KEY (mall, day, card_type, hour)
) WITHOUT ROWID;

CREATE TABLE r_card_category (
    mall      TEXT NOT NULL,
    day       TEXT NOT NULL,
    card_type TEXT NOT NULL,
    category  TEXT NOT NULL,
    n         BIGINT NOT NULL,
    amount    BIGINT NOT NULL,
    PRIMARY KEY (mall, day, card_type, category)
) WITHOUT ROWID;

CREATE TABLE r_card_ticket (
    mall      TEXT NOT NULL,
    day       TEXT NOT NULL,
    card_type TEXT NOT NULL,
    bucket    BIGINT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (mall, day, card_type, bucket)
) WITHOUT ROWID;

-- Identified buyers' purchase days (repurchase rate): member m:ID, anonymous card c:ID,
-- imported customer x:MALL:ID.
CREATE TABLE r_buyer_day (
    buyer TEXT NOT NULL,
    mall  TEXT NOT NULL,
    day   TEXT NOT NULL,
    PRIMARY KEY (buyer, mall, day)
) WITHOUT ROWID;
CREATE INDEX r_buyer_day_day ON r_buyer_day (day);
