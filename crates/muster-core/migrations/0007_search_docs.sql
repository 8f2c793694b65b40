-- 0007: the search index as one row per trainee. Shipped: never edit, add a
-- new migration.
--
-- 0002 kept one row per search key (about fourteen per trainee, each in two
-- indexes): a 100,000-row import wrote 1.44 million of them. Now a trainee's
-- keys are one row (`keys`: one "<kind digit><text>" per line), the table's
-- rowid is the trainee's, and a door's query runs over an index derived in
-- memory from these rows (`store::search`). `stamp` says which rows a
-- reader's copy has not seen yet: every transaction that writes rows here
-- takes the next value of the `search.stamp` counter in `meta`. Derived and
-- local like before (never synced). The keys are made by Muster itself
-- (pinyin and all), so this migration only marks the index for rebuilding;
-- the next open writes a row for every trainee (`search.rebuild`).
DROP TABLE search_keys;
CREATE TABLE search_keys (
    trainee_rowid  INTEGER PRIMARY KEY,
    event_rowid    INTEGER NOT NULL,
    stamp          INTEGER NOT NULL,
    keys           TEXT NOT NULL
);
CREATE INDEX search_keys_by_event ON search_keys (event_rowid, stamp);
INSERT INTO meta (key, value) VALUES ('search.stamp', '0') ON CONFLICT (key) DO NOTHING;
INSERT INTO meta (key, value) VALUES ('search.rebuild', '1') ON CONFLICT (key) DO UPDATE SET value = excluded.value;
