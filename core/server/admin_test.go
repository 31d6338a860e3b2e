package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/sender"
)

// gqlDo runs one operation as key and decodes data into out.
func gqlDo(t *testing.T, e *env, key, op, query string, vars map[string]any, out any) error {
	t.Helper()
	c := e.client(key)
	c.Retrier = sender.Retrier{MaxRetries: 0}
	return c.Do(context.Background(), op, query, vars, out, nil)
}

const (
	createUserQ = `mutation CreateUser($name: String!, $email: String, $admin: Boolean) {
  createUser(input: {name: $name, email: $email, admin: $admin}) { user { id name email admin } } }`
	genKeyQ = `mutation GenerateApiKey($user: String, $d: String) {
  generateApiKey(input: {userName: $user, description: $d}) { apiKey { id name description } } }`
	createTeamQ = `mutation CreateTeam($n: String!) { createTeam(input: {teamName: $n}) { entity { id name isTeam } } }`
	addMemberQ  = `mutation AddTeamMember($t: String!, $u: String!) { addTeamMember(input: {teamName: $t, userName: $u}) { success } }`
	delKeyQ     = `mutation DeleteApiKey($id: String!) { deleteApiKey(input: {id: $id}) { success } }`
)

type apiKeyOut struct {
	GenerateAPIKey struct {
		APIKey struct{ ID, Name, Description string } `json:"apiKey"`
	} `json:"generateApiKey"`
}

func TestAdminUsersTeamsKeys(t *testing.T) {
	e := newEnv(t) // alice is an admin, bob is not
	ctx := context.Background()

	// Only admins create users.
	err := gqlDo(t, e, bobKey, "CreateUser", createUserQ, map[string]any{"name": "carol"}, nil)
	if err == nil || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "admin") {
		t.Fatalf("bob creating a user: %v, want 403 naming the admin rule", err)
	}
	var cu struct {
		CreateUser struct {
			User struct {
				Name, Email string
				Admin       bool
			}
		} `json:"createUser"`
	}
	if err := gqlDo(t, e, aliceKey, "CreateUser", createUserQ, map[string]any{"name": "carol", "email": "c@example.com"}, &cu); err != nil {
		t.Fatal(err)
	}
	if u := cu.CreateUser.User; u.Name != "carol" || u.Email != "c@example.com" || u.Admin {
		t.Fatalf("created %+v", u)
	}
	if err := gqlDo(t, e, aliceKey, "CreateUser", createUserQ, map[string]any{"name": "carol"}, nil); err == nil || !strings.Contains(err.Error(), "conflict") {
		t.Errorf("creating carol twice: %v, want a conflict", err)
	}
	if err := gqlDo(t, e, aliceKey, "CreateUser", createUserQ, map[string]any{"name": "../x"}, nil); err == nil || !strings.Contains(err.Error(), `user name "../x"`) {
		t.Errorf("a user name with a path: %v, want it named and refused", err)
	}

	// An admin makes carol's first key; it logs in as carol.
	var k apiKeyOut
	if err := gqlDo(t, e, aliceKey, "GenerateApiKey", genKeyQ, map[string]any{"user": "carol", "d": "laptop"}, &k); err != nil {
		t.Fatal(err)
	}
	carolKey := k.GenerateAPIKey.APIKey.Name
	if len(carolKey) != 40 || k.GenerateAPIKey.APIKey.Description != "laptop" {
		t.Fatalf("key %+v", k.GenerateAPIKey.APIKey)
	}
	v, err := e.client(carolKey).Viewer(ctx)
	if err != nil || v.Username != "carol" {
		t.Fatalf("viewer with carol's key: %+v %v", v, err)
	}
	// bob may not make keys for others, but may make his own.
	if err := gqlDo(t, e, bobKey, "GenerateApiKey", genKeyQ, map[string]any{"user": "carol"}, nil); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("bob making a key for carol: %v, want 403", err)
	}
	var bk apiKeyOut
	if err := gqlDo(t, e, bobKey, "GenerateApiKey", genKeyQ, map[string]any{"d": "ci"}, &bk); err != nil {
		t.Fatal(err)
	}
	if v, err := e.client(bk.GenerateAPIKey.APIKey.Name).Viewer(ctx); err != nil || v.Username != "bob" {
		t.Fatalf("bob's new key: %+v %v", v, err)
	}

	// Teams: carol reaches a team's projects once she is a member, bob not.
	upsert := func(key string) error {
		_, err := e.client(key).UpsertBucket(ctx, sender.BucketInput{Entity: "vision", Project: "p", Name: "r1"})
		return err
	}
	if err := gqlDo(t, e, aliceKey, "CreateTeam", createTeamQ, map[string]any{"n": "vision"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := upsert(carolKey); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("carol before joining: %v, want 403", err)
	}
	if err := gqlDo(t, e, bobKey, "AddTeamMember", addMemberQ, map[string]any{"t": "vision", "u": "carol"}, nil); err == nil {
		t.Fatal("bob added a member")
	}
	if err := gqlDo(t, e, aliceKey, "AddTeamMember", addMemberQ, map[string]any{"t": "carol", "u": "bob"}, nil); err == nil || !strings.Contains(err.Error(), "not a team") {
		t.Errorf("adding to a personal entity: %v", err)
	}
	if err := gqlDo(t, e, aliceKey, "AddTeamMember", addMemberQ, map[string]any{"t": "vision", "u": "carol"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := upsert(carolKey); err != nil {
		t.Fatalf("carol in her team: %v", err)
	}
	if err := upsert(bobKey); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("bob outside the team: %v, want 403", err)
	}
	if err := upsert(aliceKey); err != nil { // the creator is a member
		t.Errorf("alice in the team she made: %v", err)
	}

	// Deleting a key (admin only) logs it out.
	if err := gqlDo(t, e, bobKey, "DeleteApiKey", delKeyQ, map[string]any{"id": k.GenerateAPIKey.APIKey.ID}, nil); err == nil {
		t.Fatal("bob deleted carol's key")
	}
	if err := gqlDo(t, e, aliceKey, "DeleteApiKey", delKeyQ, map[string]any{"id": k.GenerateAPIKey.APIKey.ID}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client(carolKey).Viewer(ctx); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("a deleted key: %v, want 401", err)
	}
}
