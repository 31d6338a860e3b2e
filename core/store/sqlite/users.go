package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/gowandb/wandb/core/store"
)

func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: "+format, append([]any{store.ErrNotFound}, args...)...)
	}
	return fmt.Errorf("store: "+format+": %w", append(args, err)...)
}

// CreateUser implements store.Users.
func (s *Store) CreateUser(ctx context.Context, name, email string, admin bool) (store.User, error) {
	if err := store.ValidName("user", name); err != nil {
		return store.User{}, err
	}
	u := store.User{Name: name, Email: email, Admin: admin, CreatedAt: fromNanos(nanos(s.now()))}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM entities WHERE name = ?`, name).Scan(&n); err != nil {
			return fmt.Errorf("store: create user %q: %w", name, err)
		}
		if n > 0 {
			return fmt.Errorf("%w: name %q is taken", store.ErrConflict, name)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO users(name, email, admin, created_at) VALUES (?, ?, ?, ?)`, name, email, admin, nanos(u.CreatedAt))
		if err != nil {
			if isUnique(err) {
				return fmt.Errorf("%w: name %q is taken", store.ErrConflict, name)
			}
			return fmt.Errorf("store: create user %q: %w", name, err)
		}
		u.ID, _ = res.LastInsertId()
		if _, err := tx.ExecContext(ctx, `INSERT INTO entities(name, is_team, user_id, created_at) VALUES (?, 0, ?, ?)`, name, u.ID, nanos(u.CreatedAt)); err != nil {
			return fmt.Errorf("store: create user %q: %w", name, err)
		}
		return nil
	})
	return u, err
}

// UserByName implements store.Users.
func (s *Store) UserByName(ctx context.Context, name string) (store.User, error) {
	return s.user(ctx, `SELECT id, name, email, admin, created_at FROM users WHERE name = ?`, name)
}

func (s *Store) user(ctx context.Context, q string, arg any) (store.User, error) {
	var u store.User
	var at int64
	err := s.r.QueryRowContext(ctx, q, arg).Scan(&u.ID, &u.Name, &u.Email, &u.Admin, &at)
	if err != nil {
		return store.User{}, notFound(err, "user %v", arg)
	}
	u.CreatedAt = fromNanos(at)
	return u, nil
}

func keyHash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// CreateAPIKey implements store.Users.
func (s *Store) CreateAPIKey(ctx context.Context, userID int64, secret, description string) (store.APIKey, error) {
	if len(secret) < 16 {
		return store.APIKey{}, fmt.Errorf("%w: API key shorter than 16 bytes", store.ErrInvalid)
	}
	k := store.APIKey{UserID: userID, Description: description, CreatedAt: fromNanos(nanos(s.now()))}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE id = ?`, userID).Scan(&n); err != nil {
			return fmt.Errorf("store: create API key: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("%w: user %d", store.ErrNotFound, userID)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO api_keys(user_id, hash, description, created_at) VALUES (?, ?, ?, ?)`, userID, keyHash(secret), description, nanos(k.CreatedAt))
		if err != nil {
			if isUnique(err) {
				return fmt.Errorf("%w: API key already exists", store.ErrConflict)
			}
			return fmt.Errorf("store: create API key: %w", err)
		}
		k.ID, _ = res.LastInsertId()
		return nil
	})
	return k, err
}

// UserByAPIKey implements store.Users.
func (s *Store) UserByAPIKey(ctx context.Context, secret string) (store.User, store.APIKey, error) {
	var u store.User
	var k store.APIKey
	var uat, kat int64
	err := s.r.QueryRowContext(ctx, `SELECT u.id, u.name, u.email, u.admin, u.created_at, k.id, k.description, k.created_at
		FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.hash = ?`, keyHash(secret)).
		Scan(&u.ID, &u.Name, &u.Email, &u.Admin, &uat, &k.ID, &k.Description, &kat)
	if err != nil {
		return store.User{}, store.APIKey{}, notFound(err, "API key")
	}
	u.CreatedAt, k.CreatedAt, k.UserID = fromNanos(uat), fromNanos(kat), u.ID
	return u, k, nil
}

// DeleteAPIKey implements store.Users.
func (s *Store) DeleteAPIKey(ctx context.Context, keyID int64) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM api_keys WHERE id = ?`, keyID)
	if err != nil {
		return fmt.Errorf("store: delete API key %d: %w", keyID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: API key %d", store.ErrNotFound, keyID)
	}
	return nil
}

// CreateTeam implements store.Users.
func (s *Store) CreateTeam(ctx context.Context, name string) (store.Entity, error) {
	if err := store.ValidName("team", name); err != nil {
		return store.Entity{}, err
	}
	e := store.Entity{Name: name, IsTeam: true, CreatedAt: fromNanos(nanos(s.now()))}
	res, err := s.w.ExecContext(ctx, `INSERT INTO entities(name, is_team, created_at) VALUES (?, 1, ?)`, name, nanos(e.CreatedAt))
	if err != nil {
		if isUnique(err) {
			return store.Entity{}, fmt.Errorf("%w: name %q is taken", store.ErrConflict, name)
		}
		return store.Entity{}, fmt.Errorf("store: create team %q: %w", name, err)
	}
	e.ID, _ = res.LastInsertId()
	return e, nil
}

// AddMember implements store.Users.
func (s *Store) AddMember(ctx context.Context, team string, userID int64) error {
	e, err := s.Entity(ctx, team)
	if err != nil {
		return err
	}
	if !e.IsTeam {
		return fmt.Errorf("%w: %q is a user, not a team", store.ErrInvalid, team)
	}
	if _, err := s.w.ExecContext(ctx, `INSERT OR IGNORE INTO members(entity_id, user_id) VALUES (?, ?)`, e.ID, userID); err != nil {
		if isFK(err) {
			return fmt.Errorf("%w: user %d", store.ErrNotFound, userID)
		}
		return fmt.Errorf("store: add member: %w", err)
	}
	return nil
}

// Entity implements store.Users.
func (s *Store) Entity(ctx context.Context, name string) (store.Entity, error) {
	var e store.Entity
	var at int64
	err := s.r.QueryRowContext(ctx, `SELECT id, name, is_team, created_at FROM entities WHERE name = ?`, name).Scan(&e.ID, &e.Name, &e.IsTeam, &at)
	if err != nil {
		return store.Entity{}, notFound(err, "entity %q", name)
	}
	e.CreatedAt = fromNanos(at)
	return e, nil
}

// EntitiesOf implements store.Users.
func (s *Store) EntitiesOf(ctx context.Context, userID int64) ([]store.Entity, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, is_team, created_at FROM entities WHERE user_id = ?
		UNION ALL SELECT e.id, e.name, e.is_team, e.created_at FROM entities e JOIN members m ON m.entity_id = e.id WHERE m.user_id = ?
		ORDER BY 3, 2`, userID, userID)
	if err != nil {
		return nil, fmt.Errorf("store: entities of user %d: %w", userID, err)
	}
	defer rows.Close()
	var out []store.Entity
	for rows.Next() {
		var e store.Entity
		var at int64
		if err := rows.Scan(&e.ID, &e.Name, &e.IsTeam, &at); err != nil {
			return nil, fmt.Errorf("store: entities of user %d: %w", userID, err)
		}
		e.CreatedAt = fromNanos(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: entities of user %d: %w", userID, err)
	}
	return out, nil
}

// CanAccess implements store.Users.
func (s *Store) CanAccess(ctx context.Context, userID int64, entity string) (bool, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM entities e WHERE e.name = ? AND (e.user_id = ?
		OR EXISTS (SELECT 1 FROM members m WHERE m.entity_id = e.id AND m.user_id = ?))`, entity, userID, userID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: access check: %w", err)
	}
	return n > 0, nil
}

func isFK(err error) bool {
	return err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
}
