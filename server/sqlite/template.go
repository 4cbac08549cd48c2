package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/internal/storecols"
)

// UpsertTemplate creates t or replaces the template with t's id.
func (db *DB) UpsertTemplate(ctx context.Context, t *server.Template) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(ctx context.Context, tx *txn) error {
		return saveTemplate(ctx, tx, t, storecols.Millis(db.Now()))
	})
}

// SeedTemplate upserts t unless the seed's text of it is unchanged since
// it was last applied.
func (db *DB) SeedTemplate(ctx context.Context, t *server.Template, source string) (bool, error) {
	if err := t.Validate(); err != nil {
		return false, err
	}
	wrote := false
	err := db.update(ctx, func(ctx context.Context, tx *txn) error {
		var last string
		err := tx.QueryRowContext(ctx, `SELECT source FROM seeded_templates WHERE id = ?`, t.ID).Scan(&last)
		switch {
		case err == nil && last == source:
			if _, err := findTemplate(ctx, tx, `id = ?`, t.ID); server.ErrorCode(err) != server.ENOTFOUND {
				return err // unchanged in the file, and still stored (maybe edited): keep it
			}
			return nil // deleted over HTTP since: keep it deleted
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if err := saveTemplate(ctx, tx, t, storecols.Millis(db.Now())); err != nil {
			return err
		}
		wrote = true
		_, err = tx.ExecContext(ctx, `INSERT INTO seeded_templates (id, source) VALUES (?, ?)
			ON CONFLICT (id) DO UPDATE SET source = excluded.source`, t.ID, source)
		return err
	})
	return wrote, err
}

// CreateTemplate stores a new template, giving it the next id when t.ID is 0.
func (db *DB) CreateTemplate(ctx context.Context, t *server.Template) error {
	return db.update(ctx, func(ctx context.Context, tx *txn) error {
		if t.ID == 0 {
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM templates`).Scan(&t.ID); err != nil {
				return err
			}
		} else if _, err := findTemplate(ctx, tx, `id = ?`, t.ID); err == nil {
			return server.Errorf(server.ECONFLICT, "template %d already exists", t.ID)
		} else if server.ErrorCode(err) != server.ENOTFOUND {
			return err
		}
		if err := t.Validate(); err != nil {
			return err
		}
		return saveTemplate(ctx, tx, t, storecols.Millis(db.Now()))
	})
}

// UpdateTemplate runs fn on the template with id and stores the result.
func (db *DB) UpdateTemplate(ctx context.Context, id int, fn func(t *server.Template) error) (*server.Template, error) {
	var t *server.Template
	err := db.update(ctx, func(ctx context.Context, tx *txn) error {
		var err error
		if t, err = findTemplate(ctx, tx, `id = ?`, id); err != nil {
			return err
		}
		if err := server.ChangeTemplate(t, fn); err != nil {
			return err
		}
		return saveTemplate(ctx, tx, t, storecols.Millis(db.Now()))
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// DeleteTemplate removes the template with id.
func (db *DB) DeleteTemplate(ctx context.Context, id int) error {
	return db.update(ctx, func(ctx context.Context, tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM templates WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return server.Errorf(server.ENOTFOUND, "template %d not found", id)
		}
		return nil
	})
}

// ListTemplates returns every template, by id.
func (db *DB) ListTemplates(ctx context.Context) ([]*server.Template, error) {
	rows, err := db.readStmts.QueryContext(ctx, `SELECT `+storecols.TemplateSelect+` FROM templates ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ts := []*server.Template{}
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// FindTemplateByID returns the template with id, or ENOTFOUND.
func (db *DB) FindTemplateByID(ctx context.Context, id int) (*server.Template, error) {
	return findTemplate(ctx, db.readStmts, `id = ?`, id)
}

// FindTemplateByTrigger returns the template whose trigger name matches
// name case-insensitively, or ENOTFOUND.
func (db *DB) FindTemplateByTrigger(ctx context.Context, name string) (*server.Template, error) {
	return findTemplate(ctx, db.readStmts, `trigger_key = ?`, server.TriggerKey(name))
}

// saveTemplate inserts t or replaces the template with its id; t must be
// valid. Returns ECONFLICT if another template has t's trigger name.
func saveTemplate(ctx context.Context, tx *txn, t *server.Template, now int64) error {
	var other int
	err := tx.QueryRowContext(ctx, `SELECT id FROM templates WHERE trigger_key = ? AND id <> ?`,
		server.TriggerKey(t.TriggerName), t.ID).Scan(&other)
	switch {
	case err == nil:
		return server.Errorf(server.ECONFLICT, "trigger_name %q is already used by template %d", t.TriggerName, other)
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	c, err := storecols.EncodeTemplate(t)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO templates (id, name, description, trigger_name, trigger_key, channel, type, topics, priority,
			expires_after_days, content, contents, send_to_unsubscribed, disable_message_retention, queue_draft,
			created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET
			name = excluded.name, description = excluded.description, trigger_name = excluded.trigger_name,
			trigger_key = excluded.trigger_key, channel = excluded.channel, type = excluded.type,
			topics = excluded.topics, priority = excluded.priority, expires_after_days = excluded.expires_after_days,
			content = excluded.content, contents = excluded.contents,
			send_to_unsubscribed = excluded.send_to_unsubscribed,
			disable_message_retention = excluded.disable_message_retention, queue_draft = excluded.queue_draft,
			updated_at = excluded.updated_at`,
		t.ID, t.Name, t.Description, t.TriggerName, c.TriggerKey, t.Channel, t.Type, c.Topics,
		t.Priority, t.ExpiresAfterDays, c.Content, c.Contents, toNull(c.SendToUnsubscribed),
		t.DisableMessageRetention, t.QueueDraft, now, now)
	return err
}

// findTemplate returns the one template matching where, or ENOTFOUND.
func findTemplate(ctx context.Context, q querier, where string, arg any) (*server.Template, error) {
	t, err := scanTemplate(q.QueryRowContext(ctx, `SELECT `+storecols.TemplateSelect+` FROM templates WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, server.Errorf(server.ENOTFOUND, "template not found")
	}
	return t, err
}

// scanTemplate reads one row of storecols.TemplateSelect.
func scanTemplate(row scanner) (*server.Template, error) {
	var t server.Template
	var c storecols.TemplateColumns
	var sendToUnsubscribed sql.Null[bool]
	if err := row.Scan(storecols.TemplateDest(&t, &c, &sendToUnsubscribed)...); err != nil {
		return nil, err
	}
	c.SendToUnsubscribed = fromNull(sendToUnsubscribed)
	if err := storecols.DecodeTemplate(c, &t); err != nil {
		return nil, err
	}
	return &t, nil
}
