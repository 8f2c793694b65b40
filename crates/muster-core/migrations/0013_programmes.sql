-- 0013: programmes and their stops; a stop closed, a stop purged.
-- Shipped: never edit, add a new migration.
--
-- A programme (the same training at stop after stop) and an event's place
-- in it travel to every laptop of the organisation: names and dates, no
-- personal data. `closed_at` makes an event read-only (reprints still
-- allowed). `event_purges` is this laptop's own list (never synced) of the
-- events whose personal data it removed: a pull never brings them back.
CREATE TABLE programmes (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT,
    created_at  TEXT NOT NULL,
    deleted_at  TEXT
);
ALTER TABLE events ADD COLUMN programme_id TEXT;
ALTER TABLE events ADD COLUMN closed_at TEXT;
CREATE INDEX events_by_programme ON events (programme_id);
CREATE TABLE event_purges (
    event_id   TEXT PRIMARY KEY,
    purged_at  TEXT NOT NULL,
    rows       INTEGER NOT NULL
);
