-- 0012: a saved paper corrected.
-- Shipped: never edit, add a new migration.
--
-- A fact, insert only: the newest correction of a paper's entry holds its
-- answers; the response as keyed stays, and every correction with who and
-- why, as history.
CREATE TABLE response_corrections (
    id           TEXT PRIMARY KEY,
    form_id      TEXT NOT NULL REFERENCES forms (id),
    paper_id     TEXT NOT NULL,
    entry        TEXT NOT NULL CHECK (entry IN ('first', 'second')),
    answers      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    corrected_by TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX response_corrections_by_paper ON response_corrections (form_id, paper_id, entry, created_at);
