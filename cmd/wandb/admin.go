package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/gowandb/wandb/core/netrc"
	"github.com/gowandb/wandb/core/online"
	"github.com/gowandb/wandb/core/sender"
	"github.com/gowandb/wandb/core/settings"
	"github.com/spf13/cobra"
)

// serverClient is a wire client for the server the settings name
// (WANDB_BASE_URL, then settings files), with the key found the way the
// SDK finds it: WANDB_API_KEY and settings, then netrc for the host.
func (a *app) serverClient() (*sender.Client, error) {
	s, err := a.serverSettings()
	if err != nil {
		return nil, err
	}
	if s.BaseURL == "" {
		return nil, errors.New("no server: set WANDB_BASE_URL or run `wandb login --host URL`")
	}
	if s.APIKey == "" {
		return nil, fmt.Errorf("no API key for %s: set WANDB_API_KEY or run `wandb login`", s.BaseURL)
	}
	return online.NewClient(s.BaseURL, s.APIKey, "gowandb-cli/"+versionString())
}

// serverSettings loads the settings with the API key resolved as the SDK
// resolves it (netrc when no key is set).
func (a *app) serverSettings() (*settings.Settings, error) {
	s, err := settings.Load(a.env, a.dir)
	if err != nil {
		return nil, err
	}
	if s.BaseURL != "" {
		if s.APIKey, err = netrc.KeyFor(a.env, s.APIKey, s.BaseURL); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// adminClient is serverClient with few retries: an admin command against a
// server that is down should say so, not wait minutes.
func (a *app) adminClient() (*sender.Client, error) {
	c, err := a.serverClient()
	if err != nil {
		return nil, err
	}
	c.Retrier.MaxRetries = 3
	return c, nil
}

// newAdminCmd is `wandb admin`: users, teams and API keys on a tracking
// server, through its GraphQL API (schema/admin.graphql).
func (a *app) newAdminCmd() *cobra.Command {
	admin := &cobra.Command{
		Use:   "admin",
		Short: "Manage a tracking server's users, teams and API keys (needs an admin key)",
	}
	users := &cobra.Command{Use: "user", Short: "Create users"}
	var email string
	var isAdmin bool
	createUser := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a user and print its first API key",
		Args:  argsNamed("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.adminCreateUser(cmd.Context(), args[0], email, isAdmin)
		},
	}
	createUser.Flags().StringVar(&email, "email", "", "the user's email")
	createUser.Flags().BoolVar(&isAdmin, "admin", false, "make the user an admin")
	users.AddCommand(createUser)

	teams := &cobra.Command{Use: "team", Short: "Create teams and add members"}
	teams.AddCommand(&cobra.Command{
		Use:   "create NAME",
		Short: "Create a team entity (you become a member)",
		Args:  argsNamed("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.adminDo(cmd.Context(), "CreateTeam", createTeamQuery, map[string]any{"name": args[0]},
				fmt.Sprintf("team %q created", args[0]))
		},
	}, &cobra.Command{
		Use:   "add TEAM USER",
		Short: "Add a user to a team",
		Args:  argsNamed("TEAM", "USER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.adminDo(cmd.Context(), "AddTeamMember", addTeamMemberQuery,
				map[string]any{"team": args[0], "user": args[1]}, fmt.Sprintf("%s is a member of %s", args[1], args[0]))
		},
	})

	keys := &cobra.Command{Use: "key", Short: "Create and delete API keys"}
	var user, desc string
	createKey := &cobra.Command{
		Use:   "create",
		Short: "Create an API key for yourself, or for --user (admin), and print it",
		Args:  argsNamed(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			key, id, err := a.generateKey(cmd.Context(), user, desc)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "API key (shown once): %s\nid: %s\n", key, id)
			return nil
		},
	}
	createKey.Flags().StringVar(&user, "user", "", "whose key (admin only; default: yours)")
	createKey.Flags().StringVar(&desc, "description", "", "what the key is for")
	keys.AddCommand(createKey, &cobra.Command{
		Use:   "delete ID",
		Short: "Delete an API key by the id `key create` printed",
		Args:  argsNamed("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.adminDo(cmd.Context(), "DeleteApiKey", deleteKeyQuery, map[string]any{"id": args[0]}, "key deleted")
		},
	})
	admin.AddCommand(users, teams, keys)
	return admin
}

const (
	createUserQuery = `mutation CreateUser($name: String!, $email: String, $admin: Boolean) {
  createUser(input: {name: $name, email: $email, admin: $admin}) { user { name } } }`
	createTeamQuery    = `mutation CreateTeam($name: String!) { createTeam(input: {teamName: $name}) { entity { name } } }`
	addTeamMemberQuery = `mutation AddTeamMember($team: String!, $user: String!) {
  addTeamMember(input: {teamName: $team, userName: $user}) { success } }`
	generateKeyQuery = `mutation GenerateApiKey($user: String, $description: String) {
  generateApiKey(input: {userName: $user, description: $description}) { apiKey { id name } } }`
	deleteKeyQuery = `mutation DeleteApiKey($id: String!) { deleteApiKey(input: {id: $id}) { success } }`
)

func (a *app) adminDo(ctx context.Context, op, query string, vars map[string]any, done string) error {
	c, err := a.adminClient()
	if err != nil {
		return err
	}
	if err := c.Do(ctx, op, query, vars, nil, nil); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, done)
	return nil
}

func (a *app) generateKey(ctx context.Context, user, desc string) (key, id string, err error) {
	c, err := a.adminClient()
	if err != nil {
		return "", "", err
	}
	var out struct {
		GenerateAPIKey struct {
			APIKey struct{ ID, Name string } `json:"apiKey"`
		} `json:"generateApiKey"`
	}
	vars := map[string]any{"description": desc}
	if user != "" {
		vars["user"] = user
	}
	if err := c.Do(ctx, "GenerateApiKey", generateKeyQuery, vars, &out, nil); err != nil {
		return "", "", err
	}
	return out.GenerateAPIKey.APIKey.Name, out.GenerateAPIKey.APIKey.ID, nil
}

func (a *app) adminCreateUser(ctx context.Context, name, email string, isAdmin bool) error {
	c, err := a.adminClient()
	if err != nil {
		return err
	}
	vars := map[string]any{"name": name, "admin": isAdmin}
	if email != "" {
		vars["email"] = email
	}
	if err := c.Do(ctx, "CreateUser", createUserQuery, vars, nil, nil); err != nil {
		return err
	}
	key, _, err := a.generateKey(ctx, name, "first key (wandb admin user create)")
	if err != nil {
		return fmt.Errorf("user %q created, but making its key failed: %w", name, err)
	}
	fmt.Fprintf(a.stdout, "user %q created\nAPI key (shown once): %s\n", name, key)
	return nil
}
