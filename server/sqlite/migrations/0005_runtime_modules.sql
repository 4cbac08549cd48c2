-- The browser runtime's modules this database's servers served
-- (server.ModuleStore): a new build sends a returning browser the delta
-- from the module it has. seq orders them, newest highest; only the
-- server.ModulesKept newest are kept. brotli is the module compressed,
-- sha256 the hash of its bytes; remembered_at is unix milliseconds.
CREATE TABLE runtime_modules (
	version       TEXT    PRIMARY KEY,
	sha256        BLOB    NOT NULL,
	brotli        BLOB    NOT NULL,
	seq           INTEGER NOT NULL,
	remembered_at INTEGER NOT NULL
);
