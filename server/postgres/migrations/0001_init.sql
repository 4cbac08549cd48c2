-- Roost's PostgreSQL schema: the final schema of the SQLite store's
-- migrations 0001 to 0004 in one, adapted. Times are unix milliseconds
-- (BIGINT), as in SQLite, so that both stores answer polls byte for byte
-- alike; JSON is TEXT, not jsonb, so that it keeps its key order. Ids are
-- compared and ordered byte-wise (COLLATE "C"), as SQLite does.

-- Answer versions (SharedStore.AnswerVersion): every value is taken once.
CREATE SEQUENCE answer_versions;

-- Templates: what a send names. trigger_key is the lower-cased trigger name.
-- contents is a JSON array of {id, language, body}.
CREATE TABLE templates (
	id                        INTEGER PRIMARY KEY,
	name                      TEXT    NOT NULL,
	description               TEXT    NOT NULL DEFAULT '',
	trigger_name              TEXT    NOT NULL,
	trigger_key               TEXT    COLLATE "C" NOT NULL,
	channel                   TEXT    NOT NULL CHECK (channel IN ('inbox', 'in_app')),
	type                      TEXT    NOT NULL DEFAULT '',
	topics                    TEXT    NOT NULL DEFAULT '[]',
	priority                  INTEGER NOT NULL DEFAULT 0,
	expires_after_days        INTEGER NOT NULL DEFAULT 0,
	content                   TEXT    NOT NULL,
	contents                  TEXT    NOT NULL DEFAULT '',
	send_to_unsubscribed      BOOLEAN, -- NULL: the default (true)
	disable_message_retention BOOLEAN NOT NULL DEFAULT false,
	queue_draft               BOOLEAN NOT NULL DEFAULT false,
	created_at                BIGINT  NOT NULL,
	updated_at                BIGINT  NOT NULL,
	CONSTRAINT templates_trigger_key UNIQUE (trigger_key)
);

-- Seeded templates: the seed file's text of each template as last applied.
CREATE TABLE seeded_templates (
	id     INTEGER PRIMARY KEY,
	source TEXT    NOT NULL
);

-- People: attributes is a JSON object; email_key is its lower-cased email.
-- version is the person's answer version, changed by the triggers below.
CREATE TABLE people (
	id         TEXT   COLLATE "C" PRIMARY KEY,
	attributes TEXT   NOT NULL DEFAULT '{}',
	email_key  TEXT   COLLATE "C" NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version    BIGINT NOT NULL DEFAULT nextval('answer_versions')
);
CREATE INDEX people_email_key ON people (email_key, created_at, id) WHERE email_key <> '';

-- Deliveries: a copy of the template at send time plus the browser's
-- state. content is '' and data NULL once dropped (retention disabled).
CREATE TABLE deliveries (
	id                TEXT    COLLATE "C" PRIMARY KEY,
	person_id         TEXT    COLLATE "C" NOT NULL REFERENCES people (id),
	template_id       INTEGER NOT NULL,
	content_id        INTEGER NOT NULL DEFAULT 1,
	language          TEXT    NOT NULL DEFAULT '',
	channel           TEXT    NOT NULL CHECK (channel IN ('inbox', 'in_app')),
	type              TEXT    NOT NULL DEFAULT '',
	topics            TEXT    NOT NULL DEFAULT '[]',
	priority          INTEGER NOT NULL DEFAULT 0,
	content           TEXT    NOT NULL,
	data              TEXT,
	queued_at         BIGINT  NOT NULL,
	send_at           BIGINT  NOT NULL,
	expires_at        BIGINT  NOT NULL,
	draft             BOOLEAN NOT NULL DEFAULT false,
	suppressed        TEXT    NOT NULL DEFAULT '',
	disable_retention BOOLEAN NOT NULL DEFAULT false,
	opened            BOOLEAN NOT NULL DEFAULT false,
	opened_at         BIGINT,
	delivered         BOOLEAN NOT NULL DEFAULT false,
	deleted           BOOLEAN NOT NULL DEFAULT false,
	dismissed         BOOLEAN NOT NULL DEFAULT false,
	clicks            TEXT    NOT NULL DEFAULT '[]'
);
-- A poll reads one range of this index, in its order (send_at, id).
CREATE INDEX deliveries_poll ON deliveries (person_id, send_at, id);
CREATE INDEX deliveries_drafts ON deliveries (person_id, queued_at, id) WHERE draft;
CREATE INDEX deliveries_all_drafts ON deliveries (queued_at, id) WHERE draft;
-- The retention sweep (DropFinishedContent) reads this one, in parts.
CREATE INDEX deliveries_retention ON deliveries (expires_at, id) WHERE disable_retention AND content <> '';

-- Events: ids of applied browser events, per person, so that a retried
-- event applies once. An identify event is about no delivery.
CREATE TABLE events (
	id          TEXT   COLLATE "C" NOT NULL,
	delivery_id TEXT   COLLATE "C" REFERENCES deliveries (id),
	person_id   TEXT   COLLATE "C" NOT NULL,
	type        TEXT   NOT NULL,
	action      TEXT   NOT NULL DEFAULT '',
	at          BIGINT NOT NULL,
	applied_at  BIGINT NOT NULL,
	PRIMARY KEY (person_id, id),
	CHECK ((delivery_id IS NULL) = (type = 'identify'))
);
-- DropEventIDs deletes by age, in parts.
CREATE INDEX events_applied_at ON events (applied_at);
-- Deleting a draft checks that no event names it (the foreign key).
CREATE INDEX events_delivery ON events (delivery_id) WHERE delivery_id IS NOT NULL;

-- A write to a person's row takes a new answer version, unless it sets one.
CREATE FUNCTION people_new_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.version = OLD.version THEN
		NEW.version := nextval('answer_versions');
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER people_version BEFORE UPDATE ON people
	FOR EACH ROW EXECUTE FUNCTION people_new_version();

-- A statement that inserts, updates or deletes deliveries gives each of
-- their people a new answer version, in the same transaction.
CREATE FUNCTION deliveries_new_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE people SET version = nextval('answer_versions')
	WHERE id IN (SELECT DISTINCT person_id FROM changed);
	RETURN NULL;
END
$$;
CREATE TRIGGER deliveries_version_insert AFTER INSERT ON deliveries
	REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION deliveries_new_version();
CREATE TRIGGER deliveries_version_update AFTER UPDATE ON deliveries
	REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION deliveries_new_version();
CREATE TRIGGER deliveries_version_delete AFTER DELETE ON deliveries
	REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION deliveries_new_version();
