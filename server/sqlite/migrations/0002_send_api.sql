-- Templates: description, content variants and send settings.
-- contents is a JSON array of {id, language, body}; '' means "only the
-- default content in the content column, with id 1" (rows from 0001).
ALTER TABLE templates ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE templates ADD COLUMN contents TEXT NOT NULL DEFAULT '';
ALTER TABLE templates ADD COLUMN send_to_unsubscribed INTEGER; -- NULL: the default (true)
ALTER TABLE templates ADD COLUMN disable_message_retention INTEGER NOT NULL DEFAULT 0;
ALTER TABLE templates ADD COLUMN queue_draft INTEGER NOT NULL DEFAULT 0;

-- Deliveries: the content variant, when the message becomes visible,
-- drafts, suppression and retention. content is '' and data NULL once dropped.
ALTER TABLE deliveries ADD COLUMN content_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE deliveries ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN send_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN draft INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN suppressed TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN disable_retention INTEGER NOT NULL DEFAULT 0;
UPDATE deliveries SET send_at = queued_at;
CREATE INDEX deliveries_drafts ON deliveries (person_id, queued_at, id) WHERE draft = 1;
CREATE INDEX deliveries_retention ON deliveries (expires_at) WHERE disable_retention = 1 AND content <> '';

-- Seeded templates: the file's text of each template as last loaded, so a
-- restart re-applies a template only when the file changed, and edits made
-- over HTTP survive restarts otherwise.
CREATE TABLE seeded_templates (
	id     INTEGER PRIMARY KEY,
	source TEXT    NOT NULL
);

-- Events: ids are the browser's, so they are unique per person, not across
-- people: one person reusing another's id must not have their event
-- taken as already applied.
CREATE TABLE events_by_person (
	id          TEXT    NOT NULL,
	delivery_id TEXT    NOT NULL REFERENCES deliveries (id),
	person_id   TEXT    NOT NULL,
	type        TEXT    NOT NULL,
	action      TEXT    NOT NULL DEFAULT '',
	at          INTEGER NOT NULL,
	applied_at  INTEGER NOT NULL,
	PRIMARY KEY (person_id, id)
);
INSERT INTO events_by_person SELECT id, delivery_id, person_id, type, action, at, applied_at FROM events;
DROP TABLE events;
ALTER TABLE events_by_person RENAME TO events;
