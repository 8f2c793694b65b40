-- 0003: certificates of completion, their prints, eligibility overrides.
-- Shipped: never edit, add a new migration.

-- Per-event certificate settings: the English title and venue, organisers,
-- signatories, logos and the attendance rule. The newest row of an event
-- is in force (no unique index: two laptops may both create one).
CREATE TABLE certificate_settings (
    id              TEXT PRIMARY KEY,
    event_id        TEXT NOT NULL REFERENCES events (id),
    title_en        TEXT NOT NULL DEFAULT '',
    venue_en        TEXT NOT NULL DEFAULT '',
    -- JSON arrays: ["organiser", ...], [{"name", "title", "image"}], ["logo.png", ...]
    organisers      TEXT NOT NULL DEFAULT '[]',
    signatories     TEXT NOT NULL DEFAULT '[]',
    logos           TEXT NOT NULL DEFAULT '[]',
    -- Share of the scheduled hours a trainee must attend, 0..1.
    min_attendance  REAL NOT NULL DEFAULT 0.8 CHECK (min_attendance >= 0 AND min_attendance <= 1),
    paper           TEXT NOT NULL DEFAULT 'a4' CHECK (paper IN ('a4', 'a5')),
    created_at      TEXT NOT NULL
);
CREATE INDEX certificate_settings_by_event ON certificate_settings (event_id, created_at);

-- A coordinator's decision that a trainee is (or is not) eligible whatever
-- the attendance says. A fact: the newest one per trainee wins.
CREATE TABLE eligibility_overrides (
    id          TEXT PRIMARY KEY,
    event_id    TEXT NOT NULL REFERENCES events (id),
    trainee_id  TEXT NOT NULL REFERENCES trainees (id),
    eligible    INTEGER NOT NULL CHECK (eligible IN (0, 1)),
    reason      TEXT NOT NULL,
    decided_by  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX eligibility_overrides_by_trainee ON eligibility_overrides (event_id, trainee_id, created_at);

-- An issued certificate: exactly what was signed. Never changed; a reprint
-- prints the same id and code. If two laptops issue one to the same trainee
-- before syncing, the oldest is the trainee's certificate.
CREATE TABLE certificates (
    id            TEXT PRIMARY KEY,
    event_id      TEXT NOT NULL REFERENCES events (id),
    trainee_id    TEXT NOT NULL REFERENCES trainees (id),
    name          TEXT NOT NULL,
    name_latin    TEXT,
    hours_tenths  INTEGER NOT NULL CHECK (hours_tenths >= 0 AND hours_tenths <= 65535),
    -- Share of scheduled hours attended when issued, and the override relied on.
    attendance    REAL NOT NULL,
    override_id   TEXT REFERENCES eligibility_overrides (id),
    -- Signed verification code (Crockford base 32) and the signer's public key (hex).
    code          TEXT NOT NULL,
    public_key    TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX certificates_by_trainee ON certificates (event_id, trainee_id, created_at);

-- Every time a certificate is printed: who, when, why, into which file.
CREATE TABLE certificate_prints (
    id              TEXT PRIMARY KEY,
    certificate_id  TEXT NOT NULL REFERENCES certificates (id),
    event_id        TEXT NOT NULL REFERENCES events (id),
    kind            TEXT NOT NULL CHECK (kind IN ('issue', 'reprint')),
    reason          TEXT NOT NULL,
    printed_by      TEXT NOT NULL,
    file            TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX certificate_prints_by_certificate ON certificate_prints (certificate_id, created_at);
