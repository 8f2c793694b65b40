-- 0008: events and sessions can be removed. Shipped: never edit, add a new
-- migration.
--
-- Rows are never deleted (a change that deletes is refused everywhere): a
-- removed event or session keeps its row and gets `deleted_at`, an update
-- that travels like any other. Lists leave removed rows out; the marks of a
-- removed session stay as history, outside every count.
ALTER TABLE events ADD COLUMN deleted_at TEXT;
ALTER TABLE sessions ADD COLUMN deleted_at TEXT;
