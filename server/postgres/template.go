package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/internal/storecols"
)

// UpsertTemplate creates t or replaces the template with t's id.
func (db *DB) UpsertTemplate(ctx context.Context, t *server.Template) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return db.updateTemplates(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return saveTemplate(ctx, tx, t, storecols.Millis(db.Now()))
	})
}

// updateTemplates runs fn in a write transaction that holds the lock of
// template writes: they run one at a time, in every process, so that the
// checks of ids and trigger names hold until the commit.
func (db *DB) updateTemplates(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return db.update(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := lockTemplates(ctx, tx); err != nil {
			return err
		}
		return fn(ctx, tx)
	})
}

// SeedTemplate upserts t unless the seed's text of it is unchanged since
// it was last applied.
func (db *DB) SeedTemplate(ctx context.Context, t *server.Template, source string) (bool, error) {
	if err := t.Validate(); err != nil {
		return false, err
	}
	wrote := false
	err := db.updateTemplates(ctx, func(ctx context.Context, tx pgx.Tx) error {
		wrote = false // when run again
		var last string
		err := tx.QueryRow(ctx, `SELECT source FROM seeded_templates WHERE id = $1`, t.ID).Scan(&last)
		switch {
		case err == nil && last == source:
			if _, err := findTemplate(ctx, tx, `id = $1`, t.ID); server.ErrorCode(err) != server.ENOTFOUND {
				return err // unchanged in the file, and still stored (maybe edited): keep it
			}
			return nil // deleted over HTTP since: keep it deleted
		case err != nil && !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		if err := saveTemplate(ctx, tx, t, storecols.Millis(db.Now())); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO seeded_templates (id, source) VALUES ($1, $2)
			ON CONFLICT (id) DO UPDATE SET source = excluded.source`, t.ID, source)
		wrote = err == nil
		return err
	})
	return wrote, err
}

// CreateTemplate stores a new template, giving it the next id when t.ID
// is 0. Template writes hold one lock, so no two processes hand out the
// same id.
func (db *DB) CreateTemplate(ctx context.Context, t *server.Template) error {
	zero := t.ID == 0 // kept for a second run of the transaction
	return db.updateTemplates(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if zero {
			if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM templates`).Scan(&t.ID); err != nil {
				return err
			}
		} else if _, err := findTemplate(ctx, tx, `id = $1`, t.ID); err == nil {
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
	err := db.updateTemplates(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if t, err = findTemplate(ctx, tx, `id = $1`, id); err != nil {
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
	return db.updateTemplates(ctx, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM templates WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return server.Errorf(server.ENOTFOUND, "template %d not found", id)
		}
		return nil
	})
}

// ListTemplates returns every template, by id.
func (db *DB) ListTemplates(ctx context.Context) ([]*server.Template, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+storecols.TemplateSelect+` FROM templates ORDER BY id`)
	if err != nil {
		return nil, db.storageError(err)
	}
	ts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*server.Template, error) { return scanTemplate(row) })
	if err != nil {
		return nil, db.storageError(err)
	}
	return ts, nil
}

// FindTemplateByID returns the template with id, or ENOTFOUND.
func (db *DB) FindTemplateByID(ctx context.Context, id int) (*server.Template, error) {
	t, err := findTemplate(ctx, db.pool, `id = $1`, id)
	return t, db.storageError(err)
}

// FindTemplateByTrigger returns the template whose trigger name matches
// name case-insensitively, or ENOTFOUND.
func (db *DB) FindTemplateByTrigger(ctx context.Context, name string) (*server.Template, error) {
	t, err := findTemplate(ctx, db.pool, `trigger_key = $1`, server.TriggerKey(name))
	return t, db.storageError(err)
}

// saveTemplate inserts t or replaces the template with its id; t must be
// valid. Returns ECONFLICT if another template has t's trigger name.
func saveTemplate(ctx context.Context, tx pgx.Tx, t *server.Template, now int64) error {
	var other int
	err := tx.QueryRow(ctx, `SELECT id FROM templates WHERE trigger_key = $1 AND id <> $2`,
		server.TriggerKey(t.TriggerName), t.ID).Scan(&other)
	switch {
	case err == nil:
		return triggerConflict(t, other)
	case !errors.Is(err, pgx.ErrNoRows):
		return err
	}
	c, err := storecols.EncodeTemplate(t)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO templates (id, name, description, trigger_name, trigger_key, channel, type, topics, priority,
			expires_after_days, content, contents, send_to_unsubscribed, disable_message_retention, queue_draft,
			created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)
		ON CONFLICT (id) DO UPDATE SET
			name = excluded.name, description = excluded.description, trigger_name = excluded.trigger_name,
			trigger_key = excluded.trigger_key, channel = excluded.channel, type = excluded.type,
			topics = excluded.topics, priority = excluded.priority, expires_after_days = excluded.expires_after_days,
			content = excluded.content, contents = excluded.contents,
			send_to_unsubscribed = excluded.send_to_unsubscribed,
			disable_message_retention = excluded.disable_message_retention, queue_draft = excluded.queue_draft,
			updated_at = excluded.updated_at`,
		t.ID, t.Name, t.Description, t.TriggerName, c.TriggerKey, t.Channel, t.Type, c.Topics,
		t.Priority, t.ExpiresAfterDays, c.Content, c.Contents, c.SendToUnsubscribed,
		t.DisableMessageRetention, t.QueueDraft, now)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "templates_trigger_key" {
		// taken meanwhile (template writes hold a lock, so only by a write around it)
		return triggerConflict(t, 0)
	}
	return err
}

// triggerConflict is the ECONFLICT error of t's trigger name, used by
// template other (0: unknown).
func triggerConflict(t *server.Template, other int) error {
	if other == 0 {
		return server.Errorf(server.ECONFLICT, "trigger_name %q is already used by another template", t.TriggerName)
	}
	return server.Errorf(server.ECONFLICT, "trigger_name %q is already used by template %d", t.TriggerName, other)
}

// findTemplate returns the one template matching where, or ENOTFOUND.
func findTemplate(ctx context.Context, q querier, where string, arg any) (*server.Template, error) {
	if s, ok := arg.(string); ok && hasNUL(s) {
		return nil, server.Errorf(server.ENOTFOUND, "template not found")
	}
	t, err := scanTemplate(q.QueryRow(ctx, `SELECT `+storecols.TemplateSelect+` FROM templates WHERE `+where, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, server.Errorf(server.ENOTFOUND, "template not found")
	}
	return t, err
}

// scanTemplate reads one row of storecols.TemplateSelect.
func scanTemplate(row pgx.Row) (*server.Template, error) {
	var t server.Template
	var c storecols.TemplateColumns
	if err := row.Scan(storecols.TemplateDest(&t, &c, &c.SendToUnsubscribed)...); err != nil {
		return nil, err
	}
	if err := storecols.DecodeTemplate(c, &t); err != nil {
		return nil, err
	}
	return &t, nil
}
