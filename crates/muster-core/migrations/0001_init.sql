-- 0001: the foundation schema. Shipped: never edit, add a new migration.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE events (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    venue       TEXT NOT NULL,
    starts_on   TEXT NOT NULL,
    days        INTEGER NOT NULL CHECK (days >= 1),
    created_at  TEXT NOT NULL
);

CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    event_id    TEXT NOT NULL REFERENCES events (id),
    title       TEXT NOT NULL CHECK (length(trim(title)) > 0),
    starts_at   TEXT NOT NULL,
    ends_at     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX sessions_by_event ON sessions (event_id, starts_at);

CREATE TABLE trainees (
    id            TEXT PRIMARY KEY,
    event_id      TEXT NOT NULL REFERENCES events (id),
    name          TEXT NOT NULL CHECK (length(trim(name)) > 0),
    gender        TEXT CHECK (gender IN ('female', 'male')),
    phone         TEXT,
    id_number     TEXT,
    age           INTEGER,
    birth_date    TEXT,
    organization  TEXT,
    occupation    TEXT,
    extra         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(extra)),
    created_at    TEXT NOT NULL
);
CREATE INDEX trainees_by_event ON trainees (event_id, name);
CREATE INDEX trainees_by_id_number ON trainees (event_id, id_number) WHERE id_number IS NOT NULL;
CREATE INDEX trainees_by_phone ON trainees (event_id, phone) WHERE phone IS NOT NULL;

-- The change log that sync ships: one row per write, field-level values.
CREATE TABLE changes (
    device_id  TEXT NOT NULL,
    seq        INTEGER NOT NULL CHECK (seq >= 1),
    hlc        TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    op         TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    fields     TEXT NOT NULL CHECK (json_valid(fields)),
    PRIMARY KEY (device_id, seq)
) WITHOUT ROWID;
CREATE INDEX changes_by_entity ON changes (entity, entity_id, hlc);
