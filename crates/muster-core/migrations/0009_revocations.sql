-- 0009: the organisation revokes certificates. Shipped: never edit, add a
-- new migration.
--
-- A revocation is a fact (appended, never changed) that syncs like every
-- other: after a sync every laptop's verify, the server's page and a newly
-- exported verifier say "revoked" with the reason and date. No foreign key
-- to `certificates`: a laptop may learn of a revocation before, or without,
-- the certificate itself.
CREATE TABLE certificate_revocations (
    id              TEXT PRIMARY KEY,
    certificate_id  TEXT NOT NULL,
    reason          TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    revoked_by      TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX certificate_revocations_by_certificate ON certificate_revocations (certificate_id);
