-- 0014: a trainee's insert logged by reference to its row until the row
-- first changes.
-- Shipped: never edit, add a new migration.
--
-- A roster import logs each new trainee's insert with `fields` = 'null'
-- (JSON null; no change ever carries null fields: on the wire and in this
-- log they are an object): "the fields are the row's". The row and the
-- entry are written in one transaction, from one field list, and until the
-- row first changes its columns are the insert's fields. The two triggers
-- keep it so: before any update or delete of such a row they copy the row
-- into its entry, as the JSON the insert would have carried, in the same
-- statement (whatever path the write takes). Everything that reads the log
-- reads `change_log`, which shows such an entry with its fields made from
-- the row: what leaves this laptop is the full insert, as before. (An
-- import of 100,000 trainees writes some 30 MB less.)
--
-- The JSON is made in one place, the view; a test holds its keys and types
-- to the sync rules' trainee fields. A migration that adds a trainee column
-- makes the view again, with it.
CREATE VIEW change_log AS
SELECT c.device_id, c.seq, c.hlc, c.entity, c.entity_id, c.op,
       CASE WHEN c.fields = 'null' AND c.entity = 'trainee' AND c.op = 'insert'
            THEN COALESCE((
                SELECT json_object(
                    'event_id', t.event_id, 'name', t.name, 'gender', t.gender,
                    'phone', t.phone, 'id_number', t.id_number, 'age', t.age,
                    'birth_date', t.birth_date, 'organization', t.organization,
                    'occupation', t.occupation, 'extra', json(t.extra),
                    'created_at', t.created_at, 'code', t.code,
                    'walk_in', json(CASE WHEN t.walk_in THEN 'true' ELSE 'false' END),
                    'merged_into', t.merged_into)
                FROM trainees t WHERE t.id = c.entity_id), c.fields)
            ELSE c.fields END AS fields
FROM changes c;

CREATE TRIGGER trainee_insert_kept_before_update BEFORE UPDATE ON trainees
WHEN EXISTS (SELECT 1 FROM changes WHERE entity = 'trainee' AND entity_id = OLD.id AND op = 'insert' AND fields = 'null')
BEGIN
    UPDATE changes SET fields = (SELECT v.fields FROM change_log v WHERE v.device_id = changes.device_id AND v.seq = changes.seq)
     WHERE entity = 'trainee' AND entity_id = OLD.id AND op = 'insert' AND fields = 'null';
END;

CREATE TRIGGER trainee_insert_kept_before_delete BEFORE DELETE ON trainees
WHEN EXISTS (SELECT 1 FROM changes WHERE entity = 'trainee' AND entity_id = OLD.id AND op = 'insert' AND fields = 'null')
BEGIN
    UPDATE changes SET fields = (SELECT v.fields FROM change_log v WHERE v.device_id = changes.device_id AND v.seq = changes.seq)
     WHERE entity = 'trainee' AND entity_id = OLD.id AND op = 'insert' AND fields = 'null';
END;
