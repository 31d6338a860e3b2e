package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/gowandb/wandb/core/server/gql"
	"github.com/gowandb/wandb/core/store"
)

// registerAdmin registers users, teams and API keys (schema/admin.graphql).
func (s *Server) registerAdmin(e *gql.Executor) {
	e.Mutation("createUser", s.opCreateUser)
	e.Mutation("createTeam", s.opCreateTeam)
	e.Mutation("addTeamMember", s.opAddTeamMember)
	e.Mutation("generateApiKey", s.opGenerateAPIKey)
	e.Mutation("deleteApiKey", s.opDeleteAPIKey)
}

// requireAdmin refuses non-admin users.
func requireAdmin(ctx context.Context, what string) error {
	if u := userFrom(ctx); !u.Admin {
		return fmt.Errorf("%w: %s needs an admin API key (user %q is not an admin)", errForbidden, what, u.Name)
	}
	return nil
}

func (s *Server) opCreateUser(ctx context.Context, args map[string]any) (any, error) {
	if err := requireAdmin(ctx, "createUser"); err != nil {
		return nil, err
	}
	in := argMap(args, "input")
	name := str(in, "name")
	if err := store.ValidName("user", name); err != nil {
		return nil, err
	}
	admin, _ := in["admin"].(bool)
	u, err := s.store.CreateUser(ctx, name, str(in, "email"), admin)
	if err != nil {
		return nil, fmt.Errorf("creating user %q: %w", name, err)
	}
	return map[string]any{"user": userValue(u), "clientMutationId": in["clientMutationId"]}, nil
}

func userValue(u store.User) map[string]any {
	return map[string]any{"id": nodeID("User", u.ID), "name": u.Name, "username": u.Name, "entity": u.Name,
		"email": u.Email, "admin": u.Admin, "flags": "{}", "teams": map[string]any{"edges": []any{}}}
}

func (s *Server) opCreateTeam(ctx context.Context, args map[string]any) (any, error) {
	if err := requireAdmin(ctx, "createTeam"); err != nil {
		return nil, err
	}
	in := argMap(args, "input")
	name := str(in, "teamName")
	if err := store.ValidName("team", name); err != nil {
		return nil, err
	}
	e, err := s.store.CreateTeam(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("creating team %q: %w", name, err)
	}
	if err := s.store.AddMember(ctx, name, userFrom(ctx).ID); err != nil {
		return nil, fmt.Errorf("adding the creator to team %q: %w", name, err)
	}
	return map[string]any{"entity": entityValue(e), "clientMutationId": in["clientMutationId"]}, nil
}

func (s *Server) opAddTeamMember(ctx context.Context, args map[string]any) (any, error) {
	if err := requireAdmin(ctx, "addTeamMember"); err != nil {
		return nil, err
	}
	in := argMap(args, "input")
	team, user := str(in, "teamName"), str(in, "userName")
	e, err := s.store.Entity(ctx, team)
	if err != nil {
		return nil, fmt.Errorf("team %q: %w", team, err)
	}
	if !e.IsTeam {
		return nil, badRequestf("%q is a user's entity, not a team", team)
	}
	u, err := s.store.UserByName(ctx, user)
	if err != nil {
		return nil, fmt.Errorf("user %q: %w", user, err)
	}
	if err := s.store.AddMember(ctx, team, u.ID); err != nil {
		return nil, fmt.Errorf("adding %q to team %q: %w", user, team, err)
	}
	return map[string]any{"success": true, "clientMutationId": in["clientMutationId"]}, nil
}

// newAPIKey is a fresh secret: 40 hex characters, as W&B's keys.
func newAPIKey() (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating an API key: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func (s *Server) opGenerateAPIKey(ctx context.Context, args map[string]any) (any, error) {
	in := argMap(args, "input")
	u := userFrom(ctx)
	if name := str(in, "userName"); name != "" && name != u.Name {
		if err := requireAdmin(ctx, "generateApiKey for another user"); err != nil {
			return nil, err
		}
		other, err := s.store.UserByName(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("user %q: %w", name, err)
		}
		u = other
	}
	secret, err := newAPIKey()
	if err != nil {
		return nil, err
	}
	k, err := s.store.CreateAPIKey(ctx, u.ID, secret, str(in, "description"))
	if err != nil {
		return nil, fmt.Errorf("creating a key for %q: %w", u.Name, err)
	}
	return map[string]any{"apiKey": map[string]any{"id": nodeID("ApiKey", k.ID), "name": secret,
		"description": k.Description}, "clientMutationId": in["clientMutationId"]}, nil
}

func (s *Server) opDeleteAPIKey(ctx context.Context, args map[string]any) (any, error) {
	if err := requireAdmin(ctx, "deleteApiKey"); err != nil {
		return nil, err
	}
	in := argMap(args, "input")
	id, ok := parseNodeID("ApiKey", str(in, "id"))
	if !ok {
		return nil, badRequestf("malformed API key id %q", str(in, "id"))
	}
	if err := s.store.DeleteAPIKey(ctx, id); err != nil {
		return nil, fmt.Errorf("deleting API key %q: %w", str(in, "id"), err)
	}
	return map[string]any{"success": true, "clientMutationId": in["clientMutationId"]}, nil
}
