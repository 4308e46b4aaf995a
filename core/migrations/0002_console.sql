-- Sign-in and the console's card table.
-- Sign-in: 5 failed attempts lock an account for 15 minutes (locked_until); an administrator can
-- also lock it outright (locked) until they unlock it.
ALTER TABLE users ADD COLUMN failed_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until BIGINT;
ALTER TABLE users ADD COLUMN locked BIGINT NOT NULL DEFAULT 0;

-- Keyset paging of the card table over millions of cards: each filter the console offers has an
-- index that also gives the sort order, so a page is an index range scan of `limit` rows.
DROP INDEX cards_status;
CREATE INDEX cards_status ON cards (status, number);
CREATE INDEX cards_type ON cards (card_type, number);
CREATE INDEX cards_mall ON cards (mall, number);
CREATE INDEX cards_issued ON cards (issued_at, id);
-- The overview counts expired anonymous cards; registered cards never expire.
CREATE INDEX cards_expires ON cards (expires_on) WHERE expires_on IS NOT NULL;
-- The cards of one batch sale, for exporting their numbers to the buyer.
CREATE INDEX cards_issue_ref ON cards (issue_ref) WHERE issue_ref IS NOT NULL;
