package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/roostmsg/roost/server"
)

// UpsertTemplate creates t or replaces the template with t's id.
func (db *DB) UpsertTemplate(ctx context.Context, t *server.Template) error {
	if err := t.Validate(); err != nil {
		return err
	}
	topics, err := encodeJSON(nonNil(t.Topics))
	if err != nil {
		return err
	}
	content, err := compactJSON(t.Content)
	if err != nil {
		return err
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		var other int
		err := tx.QueryRowContext(ctx, `SELECT id FROM templates WHERE trigger_key = ? AND id <> ?`,
			server.TriggerKey(t.TriggerName), t.ID).Scan(&other)
		switch {
		case err == nil:
			return server.Errorf(server.ECONFLICT, "trigger_name %q is already used by template %d", t.TriggerName, other)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		now := millis(db.Now())
		_, err = tx.ExecContext(ctx, `
			INSERT INTO templates (id, name, trigger_name, trigger_key, channel, type, topics, priority,
				expires_after_days, content, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET
				name = excluded.name, trigger_name = excluded.trigger_name, trigger_key = excluded.trigger_key,
				channel = excluded.channel, type = excluded.type, topics = excluded.topics,
				priority = excluded.priority, expires_after_days = excluded.expires_after_days,
				content = excluded.content, updated_at = excluded.updated_at`,
			t.ID, t.Name, t.TriggerName, server.TriggerKey(t.TriggerName), t.Channel, t.Type, topics,
			t.Priority, t.ExpiresAfterDays, content, now, now)
		return err
	})
}

// FindTemplateByID returns the template with id, or ENOTFOUND.
func (db *DB) FindTemplateByID(ctx context.Context, id int) (*server.Template, error) {
	return findTemplate(ctx, db.read, `id = ?`, id)
}

// FindTemplateByTrigger returns the template whose trigger name matches
// name case-insensitively, or ENOTFOUND.
func (db *DB) FindTemplateByTrigger(ctx context.Context, name string) (*server.Template, error) {
	return findTemplate(ctx, db.read, `trigger_key = ?`, server.TriggerKey(name))
}

// findTemplate returns the one template matching where, or ENOTFOUND.
func findTemplate(ctx context.Context, q querier, where string, arg any) (*server.Template, error) {
	var t server.Template
	var topics, content string
	err := q.QueryRowContext(ctx, `
		SELECT id, name, trigger_name, channel, type, topics, priority, expires_after_days, content
		FROM templates WHERE `+where, arg).Scan(
		&t.ID, &t.Name, &t.TriggerName, &t.Channel, &t.Type, &topics, &t.Priority, &t.ExpiresAfterDays, &content)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, server.Errorf(server.ENOTFOUND, "template not found")
	} else if err != nil {
		return nil, err
	}
	if err := decodeJSON(topics, &t.Topics); err != nil {
		return nil, err
	}
	if len(t.Topics) == 0 {
		t.Topics = nil
	}
	t.Content = []byte(content)
	return &t, nil
}
