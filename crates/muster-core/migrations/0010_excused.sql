-- 0010: excused absence, and whether it counts toward a certificate.
-- Shipped: never edit, add a new migration.
--
-- A correction may now say "excused" (arranged leave, before or after the
-- session). SQLite cannot change a CHECK constraint, so the corrections
-- table is rebuilt with the same columns, rows and rowids.
CREATE TABLE attendance_corrections_0010 (
    id          TEXT PRIMARY KEY,
    event_id    TEXT NOT NULL REFERENCES events (id),
    session_id  TEXT NOT NULL REFERENCES sessions (id),
    trainee_id  TEXT NOT NULL REFERENCES trainees (id),
    status      TEXT NOT NULL CHECK (status IN ('present', 'late', 'left_early', 'absent', 'excused')),
    hours       REAL,
    reason      TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
INSERT INTO attendance_corrections_0010 (rowid, id, event_id, session_id, trainee_id, status, hours, reason, device_id, created_at)
    SELECT rowid, id, event_id, session_id, trainee_id, status, hours, reason, device_id, created_at FROM attendance_corrections;
DROP TABLE attendance_corrections;
ALTER TABLE attendance_corrections_0010 RENAME TO attendance_corrections;
CREATE INDEX corrections_by_session ON attendance_corrections (session_id, trainee_id, created_at);

-- An event's rule: do excused hours count toward the certificate? NULL
-- (settings written before this) and 0 mean no.
ALTER TABLE certificate_settings ADD COLUMN excused_counts INTEGER;
