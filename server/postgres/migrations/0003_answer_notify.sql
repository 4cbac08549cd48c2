-- Each new answer version of a person is announced on the channel
-- roost_answers, with the person's id as the payload (ListenAnswers): the
-- processes sharing the database tell their streams of each other's
-- writes. NOTIFY is transactional: it is delivered at commit, never for
-- a write rolled back, and one transaction announces a person once.
CREATE FUNCTION people_notify_answer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('roost_answers', NEW.id);
	RETURN NULL;
END
$$;
CREATE TRIGGER people_answer_insert AFTER INSERT ON people
	FOR EACH ROW EXECUTE FUNCTION people_notify_answer();
CREATE TRIGGER people_answer_update AFTER UPDATE ON people
	FOR EACH ROW WHEN (OLD.version IS DISTINCT FROM NEW.version) EXECUTE FUNCTION people_notify_answer();
