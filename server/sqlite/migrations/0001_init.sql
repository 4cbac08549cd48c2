-- Templates: what a send names. trigger_key is the lower-cased trigger name.
CREATE TABLE templates (
	id                 INTEGER PRIMARY KEY,
	name               TEXT    NOT NULL,
	trigger_name       TEXT    NOT NULL,
	trigger_key        TEXT    NOT NULL UNIQUE,
	channel            TEXT    NOT NULL CHECK (channel IN ('inbox', 'in_app')),
	type               TEXT    NOT NULL DEFAULT '',
	topics             TEXT    NOT NULL DEFAULT '[]',
	priority           INTEGER NOT NULL DEFAULT 0,
	expires_after_days INTEGER NOT NULL DEFAULT 0,
	content            TEXT    NOT NULL,
	created_at         INTEGER NOT NULL,
	updated_at         INTEGER NOT NULL
);

-- People: attributes is a JSON object; email_key is its lower-cased email.
CREATE TABLE people (
	id         TEXT    PRIMARY KEY,
	attributes TEXT    NOT NULL DEFAULT '{}',
	email_key  TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX people_email_key ON people (email_key, created_at) WHERE email_key <> '';

-- Deliveries: a copy of the template at send time plus the browser's state.
-- Times are unix milliseconds.
CREATE TABLE deliveries (
	id          TEXT    PRIMARY KEY,
	person_id   TEXT    NOT NULL REFERENCES people (id),
	template_id INTEGER NOT NULL,
	channel     TEXT    NOT NULL CHECK (channel IN ('inbox', 'in_app')),
	type        TEXT    NOT NULL DEFAULT '',
	topics      TEXT    NOT NULL DEFAULT '[]',
	priority    INTEGER NOT NULL DEFAULT 0,
	content     TEXT    NOT NULL,
	data        TEXT,
	queued_at   INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	opened      INTEGER NOT NULL DEFAULT 0,
	opened_at   INTEGER,
	delivered   INTEGER NOT NULL DEFAULT 0,
	deleted     INTEGER NOT NULL DEFAULT 0,
	dismissed   INTEGER NOT NULL DEFAULT 0,
	clicks      TEXT    NOT NULL DEFAULT '[]'
);
CREATE INDEX deliveries_person_queued ON deliveries (person_id, queued_at, id);

-- Events: ids of applied browser events, so a retried event applies once.
CREATE TABLE events (
	id          TEXT    PRIMARY KEY,
	delivery_id TEXT    NOT NULL REFERENCES deliveries (id),
	person_id   TEXT    NOT NULL,
	type        TEXT    NOT NULL,
	action      TEXT    NOT NULL DEFAULT '',
	at          INTEGER NOT NULL,
	applied_at  INTEGER NOT NULL
);
