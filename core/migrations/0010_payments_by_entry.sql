-- Payments are found by their journal entry, and a card's payments through its history.
--
-- `payments_card` (card_id) took every purchase's card id at a random place: a group commit of a
-- thousand purchases rewrote nearly every page of it (BENCHMARKS.md, issue 2: without it the
-- bench made 4% more purchases a second, 13% more at a million purchases). A card's payments
-- are its history's purchases (`card_activities`, keyed by card, holds each with its journal
-- entry, written in the same transaction as the payment), so the payments are looked up by
-- entry: entry ids grow, so this index only appends. It also serves the reversal of a purchase,
-- which finds the payment by the entry it reverses and used to read the whole table.
CREATE INDEX IF NOT EXISTS payments_entry ON payments (entry_id);
DROP INDEX IF EXISTS payments_card;
