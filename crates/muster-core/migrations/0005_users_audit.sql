-- 0005: users of a shared laptop (roles, PINs) and the audit log.
-- Shipped: never edit, add a new migration.

-- The people who use this laptop. Local to the laptop (never synced): a PIN
-- is for this machine. The PIN is stored only as an argon2id PHC string.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL CHECK (length(trim(name)) > 0),
    role          TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'keyer')),
    pin_hash      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    disabled_at   TEXT,
    -- Wrong PINs in a row, and until when sign-in is refused after too many.
    failed_pins   INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT
);
CREATE UNIQUE INDEX users_by_name ON users (lower(name)) WHERE disabled_at IS NULL;

-- Who did what: every create, edit, merge, resolution, print and export,
-- with the user, device, time and the values before and after. A fact,
-- written through the change log in the same transaction as the change it
-- describes, so it syncs like every other fact.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    event_id    TEXT,
    user_id     TEXT,
    user_name   TEXT NOT NULL,
    role        TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT,
    entity_id   TEXT,
    before      TEXT CHECK (before IS NULL OR json_valid(before)),
    after       TEXT CHECK (after IS NULL OR json_valid(after)),
    detail      TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX audit_by_event ON audit_log (event_id, created_at);
CREATE INDEX audit_by_time ON audit_log (created_at);
