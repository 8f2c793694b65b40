-- Changes this store received but could not apply: refused by the sync
-- rules (muster_protocol::rules), of an entity this build does not know, or
-- whose row could not be rebuilt (a parent not here yet). Kept whole with
-- the reason, local only (never synced), and tried again after every sync:
-- a later version, or a later batch, that can apply one does so.
CREATE TABLE quarantine (
    device_id  TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    hlc        TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    op         TEXT NOT NULL,
    fields     TEXT NOT NULL,
    field      TEXT,
    reason     TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (device_id, seq)
) WITHOUT ROWID;
