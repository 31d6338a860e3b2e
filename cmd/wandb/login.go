package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gowandb/wandb/core/netrc"
	"github.com/gowandb/wandb/core/online"
	"github.com/gowandb/wandb/core/sender"
	"github.com/gowandb/wandb/core/settings"
)

// loginTimeout bounds the Viewer call that checks a key.
const loginTimeout = 30 * time.Second

// newLoginCmd is `wandb login [--host URL] [--relogin] [KEY]`: check the key
// with the server and store it in netrc, where the SDK, `wandb sync` and the
// query API find it (W&B's wandb login).
func (a *app) newLoginCmd() *cobra.Command {
	var host string
	var relogin, verify bool
	cmd := &cobra.Command{
		Use:   "login [--host URL] [--relogin] [KEY]",
		Short: "Check an API key with the server and save it in ~/.netrc",
		Long: "Check the API key with the server (WANDB_BASE_URL, the settings' base_url, or --host) and save it " +
			"in the netrc file ($NETRC, else ~/.netrc, mode 0600) as W&B does: `machine <host> login user " +
			"password <key>`, replacing an earlier entry for that host and keeping the others. The key is the " +
			"argument, else standard input when it is not a terminal, else asked for. Without --relogin, a key " +
			"already saved for the host that the server accepts is kept.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("%s: unexpected argument %q", cmd.CommandPath(), args[1])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			key := ""
			if len(args) == 1 {
				key = args[0]
			}
			return a.login(cmd.Context(), cmd.InOrStdin(), host, key, relogin, verify)
		},
	}
	cmd.Flags().StringVar(&host, "host", "", "the server's `URL` (default: WANDB_BASE_URL or the settings' base_url)")
	cmd.Flags().BoolVar(&relogin, "relogin", false, "ask for a key even if one is saved for the host")
	cmd.Flags().BoolVar(&verify, "verify", true, "check the key with the server before saving it")
	return cmd
}

func (a *app) login(ctx context.Context, in io.Reader, host, key string, relogin, verify bool) error {
	base := host
	if base == "" {
		s, err := settings.Load(a.env, a.dir)
		if err != nil {
			return err
		}
		base = s.BaseURL
	}
	base = strings.TrimSuffix(base, "/")
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("login: host %q is not an http(s) URL", base)
	}
	machine, err := netrc.Host(base)
	if err != nil {
		return err
	}
	path, err := netrc.Path(a.env)
	if err != nil {
		return fmt.Errorf("login: %w (set NETRC or HOME)", err)
	}
	if key == "" && !relogin {
		if saved, err := netrc.Lookup(a.env, machine); err == nil && saved != "" {
			if v, err := viewer(ctx, base, saved); err == nil {
				fmt.Fprintf(a.stderr, "wandb: Currently logged in as %s to %s. Use `wandb login --relogin` to force relogin\n", v.Username, base)
				return nil
			}
		}
	}
	if key == "" {
		if key, err = a.readKey(in, base); err != nil {
			return err
		}
	}
	if key == "" || strings.ContainsAny(key, " \t\r\n") {
		return errors.New("login: the API key must be one word without blanks")
	}
	who := ""
	if verify {
		v, err := viewer(ctx, base, key)
		if err != nil {
			var he *sender.HTTPError
			if errors.As(err, &he) && he.StatusCode == http.StatusUnauthorized {
				return fmt.Errorf("login: %s refused the API key (401); nothing was saved", base)
			}
			return fmt.Errorf("login: checking the key with %s: %w; nothing was saved", base, err)
		}
		who = v.Username
	}
	fmt.Fprintf(a.stderr, "wandb: Appending key for %s to your netrc file: %s\n", machine, path)
	if err := netrc.Set(path, machine, "user", key); err != nil {
		return err
	}
	if who != "" {
		fmt.Fprintf(a.stdout, "Logged in to %s as %s\n", base, who)
	}
	return nil
}

// readKey reads the key from in: its first line when it is not a
// terminal, else after a prompt on stderr.
func (a *app) readKey(in io.Reader, base string) (string, error) {
	if isTerminal(in) {
		fmt.Fprintf(a.stderr, "wandb: Paste an API key from %s/authorize and press enter: ", base)
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("login: reading the key: %w", err)
	}
	key := strings.TrimSpace(line)
	if key == "" {
		return "", errors.New("login: no API key: pass it as an argument or on standard input")
	}
	return key, nil
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func viewer(ctx context.Context, base, key string) (sender.Viewer, error) {
	c, err := online.NewClient(base, key, "gowandb-cli/"+versionString())
	if err != nil {
		return sender.Viewer{}, err
	}
	return online.Connect(ctx, c, loginTimeout)
}
