-- 0016: the door's search keys are no longer stored; each connection makes
-- them from `trainees` in memory.
-- Shipped: never edit, add a new migration.
--
-- 0007 kept one row of keys per trainee in `search_keys`, written beside
-- every trainee write, and an import staged them ahead under reserved rowids
-- (`import.staged.*` in `meta`). They were derived, local, never synced: a
-- copy of what the trainee's columns already say. A 100,000-row import wrote
-- 15 MB of them, and staging them was an eighth of its time. Now a
-- connection's copy of the index (`store::search`) is made from the event's
-- trainees on its first query and kept up to date by what this table says:
--
-- * a new trainee has a rowid above every rowid the copy has read (SQLite
--   gives the largest + 1; nothing inserts trainees at a chosen rowid);
-- * an update of a column the keys come from, and a delete, leave the
--   trainee's rowid here with the next `seq` (the triggers below, whatever
--   path the write takes): a deleted largest rowid, given again to a new
--   trainee, is read again too.
--
-- So a copy asks for `MAX(rowid)` of `trainees` and `MAX(seq)` here, and
-- reads the trainees past either mark. One row per trainee ever touched.
DROP INDEX search_keys_by_event;
DROP TABLE search_keys;
DELETE FROM meta WHERE key IN ('search.stamp', 'search.rebuild', 'search.keys');
DELETE FROM meta WHERE key >= 'import.staged.' AND key < 'import.staged/';

CREATE TABLE search_touched (
    trainee_rowid  INTEGER PRIMARY KEY,
    seq            INTEGER NOT NULL
);
CREATE INDEX search_touched_by_seq ON search_touched (seq);

CREATE TRIGGER search_touched_by_update
AFTER UPDATE OF event_id, name, phone, id_number, organization, code, merged_into ON trainees
BEGIN
    INSERT INTO search_touched (trainee_rowid, seq)
    VALUES (NEW.rowid, (SELECT IFNULL(MAX(seq), 0) + 1 FROM search_touched))
    ON CONFLICT (trainee_rowid) DO UPDATE SET seq = excluded.seq;
END;

CREATE TRIGGER search_touched_by_delete
AFTER DELETE ON trainees
BEGIN
    INSERT INTO search_touched (trainee_rowid, seq)
    VALUES (OLD.rowid, (SELECT IFNULL(MAX(seq), 0) + 1 FROM search_touched))
    ON CONFLICT (trainee_rowid) DO UPDATE SET seq = excluded.seq;
END;
