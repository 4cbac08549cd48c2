-- The browser runtime's modules the servers on this database served
-- (server.ModuleStore): a new build sends a returning browser the delta
-- from the module it has. seq orders them, newest highest (from
-- runtime_modules_seq); only the server.ModulesKept newest are kept.
-- brotli is the module compressed, sha256 the hash of its bytes;
-- remembered_at is unix milliseconds.
CREATE SEQUENCE runtime_modules_seq;
CREATE TABLE runtime_modules (
	version       TEXT   PRIMARY KEY,
	sha256        BYTEA  NOT NULL,
	brotli        BYTEA  NOT NULL,
	seq           BIGINT NOT NULL,
	remembered_at BIGINT NOT NULL
);
