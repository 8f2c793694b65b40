-- 0011: three more certificate settings of an event.
-- Shipped: never edit, add a new migration.
--
-- late_registration: whose hours a trainee registered after the event began
--   is measured against — 'all' (every session's; NULL means this) or
--   'after_registration' (only the sessions after they registered).
-- languages: the certificate's two languages, 'zh+en' (NULL means this),
--   'km+en', 'lo+en', 'az+en' or 'tk+en'.
-- seal: the path of the organisers' seal (PNG/JPEG), printed over the date
--   of issue; NULL: none.
ALTER TABLE certificate_settings ADD COLUMN late_registration TEXT;
ALTER TABLE certificate_settings ADD COLUMN languages TEXT;
ALTER TABLE certificate_settings ADD COLUMN seal TEXT;
