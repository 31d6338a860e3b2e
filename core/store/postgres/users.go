package postgres

import (
	"context"
	"crypto/sha256"
	"fmt"

	"github.com/gowandb/wandb/core/store"
	"github.com/jackc/pgx/v5"
)

// CreateUser implements store.Users.
func (s *Store) CreateUser(ctx context.Context, name, email string, admin bool) (store.User, error) {
	if err := store.ValidName("user", name); err != nil {
		return store.User{}, err
	}
	u := store.User{Name: name, Email: email, Admin: admin, CreatedAt: fromNanos(nanos(s.now()))}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO users(name, email, admin, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			name, email, admin, nanos(u.CreatedAt)).Scan(&u.ID)
		if err == nil {
			_, err = tx.Exec(ctx, `INSERT INTO entities(name, is_team, user_id, created_at) VALUES ($1, false, $2, $3)`,
				name, u.ID, nanos(u.CreatedAt))
		}
		if pgCode(err) == codeUnique {
			return fmt.Errorf("%w: name %q is taken", store.ErrConflict, name)
		}
		if err != nil {
			return fmt.Errorf("store: postgres: create user %q: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return store.User{}, err
	}
	return u, nil
}

// UserByName implements store.Users.
func (s *Store) UserByName(ctx context.Context, name string) (store.User, error) {
	var u store.User
	var at int64
	err := s.pool.QueryRow(ctx, `SELECT id, name, email, admin, created_at FROM users WHERE name = $1`, name).
		Scan(&u.ID, &u.Name, &u.Email, &u.Admin, &at)
	if err != nil {
		return store.User{}, notFound(err, "user %q", name)
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
	err := s.pool.QueryRow(ctx, `INSERT INTO api_keys(user_id, hash, description, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		userID, keyHash(secret), description, nanos(k.CreatedAt)).Scan(&k.ID)
	switch pgCode(err) {
	case "":
	case codeUnique:
		return store.APIKey{}, fmt.Errorf("%w: API key already exists", store.ErrConflict)
	case codeForeignKey:
		return store.APIKey{}, fmt.Errorf("%w: user %d", store.ErrNotFound, userID)
	}
	if err != nil {
		return store.APIKey{}, fmt.Errorf("store: postgres: create API key: %w", err)
	}
	return k, nil
}

// UserByAPIKey implements store.Users.
func (s *Store) UserByAPIKey(ctx context.Context, secret string) (store.User, store.APIKey, error) {
	var u store.User
	var k store.APIKey
	var uat, kat int64
	err := s.pool.QueryRow(ctx, `SELECT u.id, u.name, u.email, u.admin, u.created_at, k.id, k.description, k.created_at
		FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.hash = $1`, keyHash(secret)).
		Scan(&u.ID, &u.Name, &u.Email, &u.Admin, &uat, &k.ID, &k.Description, &kat)
	if err != nil {
		return store.User{}, store.APIKey{}, notFound(err, "API key")
	}
	u.CreatedAt, k.CreatedAt, k.UserID = fromNanos(uat), fromNanos(kat), u.ID
	return u, k, nil
}

// DeleteAPIKey implements store.Users.
func (s *Store) DeleteAPIKey(ctx context.Context, keyID int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM api_keys WHERE id = $1`, keyID)
	if err != nil {
		return fmt.Errorf("store: postgres: delete API key %d: %w", keyID, err)
	}
	if tag.RowsAffected() == 0 {
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
	err := s.pool.QueryRow(ctx, `INSERT INTO entities(name, is_team, created_at) VALUES ($1, true, $2) RETURNING id`,
		name, nanos(e.CreatedAt)).Scan(&e.ID)
	if pgCode(err) == codeUnique {
		return store.Entity{}, fmt.Errorf("%w: name %q is taken", store.ErrConflict, name)
	}
	if err != nil {
		return store.Entity{}, fmt.Errorf("store: postgres: create team %q: %w", name, err)
	}
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
	_, err = s.pool.Exec(ctx, `INSERT INTO members(entity_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, e.ID, userID)
	if pgCode(err) == codeForeignKey {
		return fmt.Errorf("%w: user %d", store.ErrNotFound, userID)
	}
	if err != nil {
		return fmt.Errorf("store: postgres: add member: %w", err)
	}
	return nil
}

// Entity implements store.Users.
func (s *Store) Entity(ctx context.Context, name string) (store.Entity, error) {
	var e store.Entity
	var at int64
	err := s.pool.QueryRow(ctx, `SELECT id, name, is_team, created_at FROM entities WHERE name = $1`, name).
		Scan(&e.ID, &e.Name, &e.IsTeam, &at)
	if err != nil {
		return store.Entity{}, notFound(err, "entity %q", name)
	}
	e.CreatedAt = fromNanos(at)
	return e, nil
}

// EntitiesOf implements store.Users.
func (s *Store) EntitiesOf(ctx context.Context, userID int64) ([]store.Entity, error) {
	rows, err := s.pool.Query(ctx, `SELECT * FROM (SELECT id, name, is_team, created_at FROM entities WHERE user_id = $1
		UNION ALL SELECT e.id, e.name, e.is_team, e.created_at FROM entities e JOIN members m ON m.entity_id = e.id WHERE m.user_id = $1) x
		ORDER BY is_team, name COLLATE "C"`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: entities of user %d: %w", userID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Entity, error) {
		var e store.Entity
		var at int64
		err := r.Scan(&e.ID, &e.Name, &e.IsTeam, &at)
		e.CreatedAt = fromNanos(at)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: postgres: entities of user %d: %w", userID, err)
	}
	return out, nil
}

// CanAccess implements store.Users.
func (s *Store) CanAccess(ctx context.Context, userID int64, entity string) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM entities e WHERE e.name = $1 AND (e.user_id = $2
		OR EXISTS (SELECT 1 FROM members m WHERE m.entity_id = e.id AND m.user_id = $2)))`, entity, userID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("store: postgres: access check: %w", err)
	}
	return ok, nil
}
