-- The number a site's patients call: shown when a diary entry raises a red
-- flag, and on the discharge instructions. Blank until the admin sets it.
-- Mirrored in the other engine's folder.

ALTER TABLE sites ADD COLUMN phone TEXT NOT NULL DEFAULT '';
