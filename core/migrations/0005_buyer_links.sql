-- The repurchase rate without grouping the buyer-day table by buyer (issue 5's dashboard goal).
-- Each buyer-day row links to the buyer's previous and next purchase day in the same mall, so
-- a buyer's first day inside a period [a, b] is the row with a <= day <= b and prev_day < a
-- (or none), exactly one per buyer and mall, and that buyer came back within the period when
-- the row's next_day <= b. Counting those rows per mall-period is an index range scan.
-- Buyers seen in more than one mall are listed in r_buyer_multi: only they still need the
-- group-by-buyer query (their days in different malls may fall on the same date).
ALTER TABLE r_buyer_day ADD COLUMN prev_day TEXT;
ALTER TABLE r_buyer_day ADD COLUMN next_day TEXT;

-- Covering for the per mall-period count (SQLite appends the primary key, so `buyer` too).
CREATE INDEX r_buyer_day_mall ON r_buyer_day (mall, day, prev_day, next_day);

CREATE TABLE r_buyer_multi (
    buyer TEXT NOT NULL PRIMARY KEY
) WITHOUT ROWID;

-- Existing databases: link the rows already there.
UPDATE r_buyer_day SET
    prev_day = (SELECT MAX(b.day) FROM r_buyer_day b
                WHERE b.buyer = r_buyer_day.buyer AND b.mall = r_buyer_day.mall AND b.day < r_buyer_day.day),
    next_day = (SELECT MIN(b.day) FROM r_buyer_day b
                WHERE b.buyer = r_buyer_day.buyer AND b.mall = r_buyer_day.mall AND b.day > r_buyer_day.day);

INSERT INTO r_buyer_multi (buyer)
    SELECT buyer FROM r_buyer_day GROUP BY buyer HAVING COUNT(DISTINCT mall) > 1;
