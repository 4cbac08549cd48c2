-- Events: an identify event sets the person's attributes and is about no
-- delivery, so delivery_id is NULL for it and for no other type.
CREATE TABLE events_v3 (
	id          TEXT    NOT NULL,
	delivery_id TEXT    REFERENCES deliveries (id),
	person_id   TEXT    NOT NULL,
	type        TEXT    NOT NULL,
	action      TEXT    NOT NULL DEFAULT '',
	at          INTEGER NOT NULL,
	applied_at  INTEGER NOT NULL,
	PRIMARY KEY (person_id, id),
	CHECK ((delivery_id IS NULL) = (type = 'identify'))
);
INSERT INTO events_v3 SELECT id, delivery_id, person_id, type, action, at, applied_at FROM events;
DROP TABLE events;
ALTER TABLE events_v3 RENAME TO events;
