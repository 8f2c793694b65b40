-- 0017: the trainees' code index leads with the code.
-- Shipped: never edit, add a new migration.
--
-- 0002's UNIQUE (event_id, code) and this UNIQUE (code, event_id) hold the
-- same rule: a code once per event. Led by the code, the index also serves
-- "which event holds this code" (a scanned slip of another event), which
-- read every trainee before; and it sorts in half the time when an import
-- builds it again after its rows (100,000 trainees of one event: every
-- comparison began with the same 36-character event id).
DROP INDEX trainees_by_code;
CREATE UNIQUE INDEX trainees_by_code ON trainees (code, event_id) WHERE code IS NOT NULL;
