-- r_buyer_day's index on `day` alone: every read of buyer days names the malls (the dashboards
-- always filter `mall IN (...)`, and the writer reads by buyer), and both backends then take the
-- covering (mall, day, prev_day, next_day) index of migration 0005 or the primary key. The `day`
-- index was only written: a third B-tree for every buyer day added and every link rewritten.
DROP INDEX IF EXISTS r_buyer_day_day;
