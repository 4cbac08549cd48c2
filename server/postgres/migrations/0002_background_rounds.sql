-- Rounds of background work: when a process last claimed each
-- (SharedStore.ClaimRound), so that the processes sharing the database do
-- one round an interval between them, not one each. By the database's clock.
CREATE TABLE background_rounds (
	name       TEXT        PRIMARY KEY,
	claimed_at TIMESTAMPTZ NOT NULL
);
