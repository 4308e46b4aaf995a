-- The repurchase rate of a period that starts before a mall's first buyer day or ends after its
-- last (the dashboards' default, the whole range of the data, is both) without reading buyer
-- days (issue 5's goal on `large`). For each mall and date, the buyer-day rows of single-mall
-- buyers counted by the date they carry:
--   days, firsts, lasts: rows on that day; of them, the buyer's first (no prev_day) and last
--                        (no next_day) day in the mall;
--   prevs, prev_lasts:   rows whose prev_day is that date; of them, last days;
--   first_nexts:         first days whose next_day is that date.
-- For a period [a, b] with no buyer day after b: buyers = sum(days - prevs) over dates >= a, and
-- those with one day only = sum(lasts - prev_lasts) over dates >= a. With no buyer day before a:
-- buyers = sum(firsts) over dates <= b, repeat buyers = sum(first_nexts) over dates <= b.
-- Writers keep it in the same transaction as r_buyer_day (rollup::write_buyer_days).
CREATE TABLE r_buyer_mark (
    mall        TEXT NOT NULL,
    day         TEXT NOT NULL,
    days        BIGINT NOT NULL,
    firsts      BIGINT NOT NULL,
    lasts       BIGINT NOT NULL,
    prevs       BIGINT NOT NULL,
    prev_lasts  BIGINT NOT NULL,
    first_nexts BIGINT NOT NULL,
    PRIMARY KEY (mall, day)
);

INSERT INTO r_buyer_mark (mall, day, days, firsts, lasts, prevs, prev_lasts, first_nexts)
SELECT mall, d, SUM(a), SUM(f), SUM(l), SUM(p), SUM(pl), SUM(fnx) FROM (
    SELECT mall, day AS d, 1 AS a,
           CASE WHEN prev_day IS NULL THEN 1 ELSE 0 END AS f,
           CASE WHEN next_day IS NULL THEN 1 ELSE 0 END AS l,
           0 AS p, 0 AS pl, 0 AS fnx
    FROM r_buyer_day WHERE buyer NOT IN (SELECT buyer FROM r_buyer_multi)
    UNION ALL
    SELECT mall, prev_day, 0, 0, 0, 1, CASE WHEN next_day IS NULL THEN 1 ELSE 0 END, 0
    FROM r_buyer_day WHERE prev_day IS NOT NULL AND buyer NOT IN (SELECT buyer FROM r_buyer_multi)
    UNION ALL
    SELECT mall, next_day, 0, 0, 0, 0, 0, 1
    FROM r_buyer_day WHERE prev_day IS NULL AND next_day IS NOT NULL AND buyer NOT IN (SELECT buyer FROM r_buyer_multi)
) x GROUP BY mall, d;
