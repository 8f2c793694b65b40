-- 0004: paper questionnaires (XLSForm), their keyed responses, double
-- entry and paper batches. Shipped: never edit, add a new migration.

-- An imported XLSForm: the parsed definition as JSON (questions in order,
-- choices with their keys, expressions as written).
CREATE TABLE forms (
    id            TEXT PRIMARY KEY,
    event_id      TEXT NOT NULL REFERENCES events (id),
    form_key      TEXT NOT NULL,
    title         TEXT NOT NULL,
    source        TEXT NOT NULL,
    definition    TEXT NOT NULL CHECK (json_valid(definition)),
    double_entry  INTEGER NOT NULL DEFAULT 0 CHECK (double_entry IN (0, 1)),
    created_at    TEXT NOT NULL
);
CREATE INDEX forms_by_event ON forms (event_id, created_at);

-- A registered stack of paper forms (e.g. 50 from Day 2, room A), with the
-- first paper ID; the others follow it.
CREATE TABLE paper_batches (
    id           TEXT PRIMARY KEY,
    form_id      TEXT NOT NULL REFERENCES forms (id),
    name         TEXT NOT NULL CHECK (length(trim(name)) > 0),
    count        INTEGER NOT NULL CHECK (count >= 1),
    first_paper  TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX paper_batches_by_form ON paper_batches (form_id, name);

-- One keying (or CSV row) of one paper: a fact, appended, never updated.
-- answers is a JSON object question name -> value (select_multiple values
-- space-separated).
CREATE TABLE responses (
    id           TEXT PRIMARY KEY,
    form_id      TEXT NOT NULL REFERENCES forms (id),
    batch_id     TEXT REFERENCES paper_batches (id),
    paper_id     TEXT NOT NULL CHECK (length(trim(paper_id)) > 0),
    entry        TEXT NOT NULL CHECK (entry IN ('first', 'second')),
    answers      TEXT NOT NULL CHECK (json_valid(answers)),
    keyer        TEXT NOT NULL,
    -- keying, or csv:<file name>
    source       TEXT NOT NULL,
    line         INTEGER,
    keystrokes   INTEGER,
    duration_ms  INTEGER,
    device_id    TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX responses_by_paper ON responses (form_id, paper_id, entry, created_at);

-- A CSV row that was not stored, and why (a fact): the portrait counts
-- papers rejected and not stored since.
CREATE TABLE response_rejections (
    id          TEXT PRIMARY KEY,
    form_id     TEXT NOT NULL REFERENCES forms (id),
    paper_id    TEXT NOT NULL,
    entry       TEXT NOT NULL CHECK (entry IN ('first', 'second')),
    source      TEXT NOT NULL,
    line        INTEGER NOT NULL,
    reasons     TEXT NOT NULL CHECK (json_valid(reasons)),
    device_id   TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX response_rejections_by_form ON response_rejections (form_id, paper_id);

-- A supervisor's choice between the two entries of one field of one paper
-- (a fact; the newest wins).
CREATE TABLE entry_resolutions (
    id           TEXT PRIMARY KEY,
    form_id      TEXT NOT NULL REFERENCES forms (id),
    paper_id     TEXT NOT NULL,
    field        TEXT NOT NULL,
    value        TEXT NOT NULL,
    resolved_by  TEXT NOT NULL CHECK (length(trim(resolved_by)) > 0),
    device_id    TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX entry_resolutions_by_paper ON entry_resolutions (form_id, paper_id, field, created_at);
