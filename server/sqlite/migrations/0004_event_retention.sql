-- The ids of applied events are kept EventIDRetention (server.MaintainOnce
-- drops older ones, by applied_at).
CREATE INDEX events_applied_at ON events (applied_at);
