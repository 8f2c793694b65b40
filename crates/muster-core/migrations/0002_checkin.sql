-- 0002: check-in at the door and per-session attendance.
-- Shipped: never edit, add a new migration.

-- Minutes after a session starts before an arrival counts as late (and
-- before it ends that a sign-out counts as leaving early).
ALTER TABLE events ADD COLUMN grace_minutes INTEGER NOT NULL DEFAULT 10 CHECK (grace_minutes >= 0);

-- A short printable code per trainee (unique within an event), walk-ins,
-- and merges of duplicates (the merged record points at the one kept).
ALTER TABLE trainees ADD COLUMN code TEXT;
ALTER TABLE trainees ADD COLUMN walk_in INTEGER NOT NULL DEFAULT 0 CHECK (walk_in IN (0, 1));
ALTER TABLE trainees ADD COLUMN merged_into TEXT REFERENCES trainees (id);
CREATE UNIQUE INDEX trainees_by_code ON trainees (event_id, code) WHERE code IS NOT NULL;

-- Check-ins and sign-outs are facts: appended, never updated or deleted.
CREATE TABLE attendance (
    id          TEXT PRIMARY KEY,
    event_id    TEXT NOT NULL REFERENCES events (id),
    session_id  TEXT NOT NULL REFERENCES sessions (id),
    trainee_id  TEXT NOT NULL REFERENCES trainees (id),
    kind        TEXT NOT NULL CHECK (kind IN ('in', 'out')),
    -- Venue local time of the mark, YYYY-MM-DDTHH:MM:SS.
    at          TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    -- How it was taken: scan, search, manual.
    source      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX attendance_by_session ON attendance (session_id, trainee_id, kind, at);
CREATE INDEX attendance_by_trainee ON attendance (trainee_id, session_id);

-- A coordinator's correction of one trainee's attendance in one session.
-- The newest correction wins; older ones stay as history.
CREATE TABLE attendance_corrections (
    id          TEXT PRIMARY KEY,
    event_id    TEXT NOT NULL REFERENCES events (id),
    session_id  TEXT NOT NULL REFERENCES sessions (id),
    trainee_id  TEXT NOT NULL REFERENCES trainees (id),
    status      TEXT NOT NULL CHECK (status IN ('present', 'late', 'left_early', 'absent')),
    hours       REAL,
    reason      TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX corrections_by_session ON attendance_corrections (session_id, trainee_id, created_at);

-- Derived, local search keys (not synced: rebuilt from trainees). A key is
-- "<event rowid hex>\x1f<kind>\x1f<text>", so one small index answers a
-- prefix query within one event and one kind; kind orders the ranking:
-- 0 code, 1 name, 2 part of the name, 3 pinyin, 4 initials, 5 mobile's last
-- digits, 6 other numbers.
CREATE TABLE search_keys (
    key            TEXT NOT NULL,
    trainee_rowid  INTEGER NOT NULL
);
CREATE INDEX search_keys_by_key ON search_keys (key);
CREATE INDEX search_keys_by_trainee ON search_keys (trainee_rowid);
