package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gowandb/wandb/core/artifact"
	_ "github.com/gowandb/wandb/core/artifact/wire" // sets artifact.DialRemote
	"github.com/gowandb/wandb/core/settings"
)

// newArtifactCmd is `wandb artifact put|get|ls|cache cleanup`.
func (a *app) newArtifactCmd() *cobra.Command {
	cmd := asGroup(&cobra.Command{Use: "artifact", Short: "Upload, download and list artifacts; manage the artifact cache"})
	cache := asGroup(&cobra.Command{Use: "cache", Short: "Manage the local artifact cache"})
	cache.AddCommand(a.newArtifactCacheCleanupCmd())
	cmd.AddCommand(a.newArtifactPutCmd(), a.newArtifactGetCmd(), a.newArtifactLsCmd(), cache)
	return cmd
}

// artifactRemote reaches the server of the settings.
func (a *app) artifactRemote(ctx context.Context, s *settings.Settings) (artifact.Remote, error) {
	if s.APIKey == "" {
		return nil, fmt.Errorf("no API key for %s: set WANDB_API_KEY or run `wandb login`", s.BaseURL)
	}
	if artifact.DialRemote == nil {
		return nil, errors.New("no artifact client is linked into this program")
	}
	return artifact.DialRemote(ctx, s.BaseURL, s.APIKey)
}

// scopeFor fills entity and project from the settings.
func scopeFor(s *settings.Settings, p artifact.Path) artifact.Scope {
	sc := artifact.Scope{Entity: s.Entity, Project: s.Project}
	if p.Entity != "" {
		sc.Entity = p.Entity
	}
	if p.Project != "" {
		sc.Project = p.Project
	}
	return sc
}

func (a *app) newArtifactPutCmd() *cobra.Command {
	var name, typ, description string
	var aliases []string
	cmd := &cobra.Command{
		Use:   "put PATH --name [ENTITY/PROJECT/]NAME --type TYPE [--alias A]...",
		Short: "Upload a file, a directory or a reference URI as a new artifact version",
		Long: "Upload PATH (a file, a directory, or a reference such as s3://bucket/prefix or https://…) as a " +
			"version of the artifact NAME of type TYPE to the server of the settings (WANDB_BASE_URL, " +
			"WANDB_API_KEY). Entity and project default to the settings'. The version gets the aliases given " +
			"and \"latest\"; content the server already has (same digest) creates no new version, and files it " +
			"already stores are not uploaded again. A progress bar goes to standard error when it is a terminal.",
		Args: argsNamed("PATH"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if name == "" || typ == "" {
				return usagef("%s: --name and --type are required", cmd.CommandPath())
			}
			p, err := artifact.ParsePath(name)
			if err != nil {
				return &usageError{err: err}
			}
			if p.Version != "" {
				return usagef("%s: --name %q has a version; the server assigns it (use --alias)", cmd.CommandPath(), name)
			}
			if _, err := artifact.Aliases(aliases); err != nil {
				return &usageError{err: err}
			}
			return a.artifactPut(cmd.Context(), args[0], p, typ, description, aliases)
		},
	}
	cmd.Flags().StringVarP(&name, "name", "n", "", "artifact name, optionally `[ENTITY/PROJECT/]NAME`")
	cmd.Flags().StringVarP(&typ, "type", "t", "", "artifact `TYPE` (dataset, model, …)")
	cmd.Flags().StringVarP(&description, "description", "d", "", "description of the version")
	cmd.Flags().StringArrayVarP(&aliases, "alias", "a", nil, "an `ALIAS` for the version (repeatable; \"latest\" is always set)")
	return cmd
}

func (a *app) artifactPut(ctx context.Context, path string, p artifact.Path, typ, description string, aliases []string) error {
	s, err := a.serverSettings()
	if err != nil {
		return err
	}
	scope := scopeFor(s, p)
	if scope.Project == "" {
		return usagef("artifact put: no project: give --name PROJECT/NAME or set WANDB_PROJECT")
	}
	c, err := artifact.OpenCache(s.CacheDir)
	if err != nil {
		return err
	}
	art, err := artifact.New(p.Name, typ, artifact.WithCache(c), artifact.WithDescription(description))
	if err != nil {
		return &usageError{err: err}
	}
	// Immutable: hashed in place, copied once, into the cache, when sealed.
	pol := artifact.WithPolicy(artifact.Immutable)
	switch st, statErr := os.Stat(path); {
	case strings.Contains(path, "://"):
		_, err = art.AddReference(ctx, path)
	case statErr != nil:
		return statErr
	case st.IsDir():
		_, err = art.AddDir(ctx, path, pol)
	default:
		_, err = art.AddFile(ctx, path, pol)
	}
	if err != nil {
		return err
	}
	remote, err := a.artifactRemote(ctx, s)
	if err != nil {
		return err
	}
	bar := newByteBar(a.stderr, "uploading")
	res, err := art.LogTo(ctx, remote, scope, aliases, nil, bar.update)
	bar.done()
	if err != nil {
		return err
	}
	v := res.Version
	if res.Existing {
		fmt.Fprintf(a.stdout, "Artifact %s already exists with the same content. No new version will be created.\n", v.QualifiedName())
		return nil
	}
	fmt.Fprintf(a.stdout, "Artifact uploaded: %s (%d files, %s, digest %s)\n", v.QualifiedName(), len(art.Entries()), humanBytes(art.Manifest().Size()), v.Digest)
	return nil
}

func (a *app) newArtifactGetCmd() *cobra.Command {
	var root, typ string
	cmd := &cobra.Command{
		Use:   "get [ENTITY/PROJECT/]NAME[:ALIAS|:vN] [--root DIR] [--type TYPE]",
		Short: "Download an artifact version",
		Long: "Download a version of an artifact (default alias \"latest\") from the server of the settings into " +
			"--root, default $WANDB_ARTIFACT_DIR (or ./artifacts) /NAME:VERSION. Files come from the artifact " +
			"cache (WANDB_CACHE_DIR) when an intact copy is there, and every file is verified against its digest. " +
			"A progress bar goes to standard error when it is a terminal.",
		Args: argsNamed("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := artifact.ParsePath(args[0])
			if err != nil {
				return &usageError{err: err}
			}
			return a.artifactGet(cmd.Context(), p, root, typ)
		},
	}
	cmd.Flags().StringVar(&root, "root", "", "download into `DIR`")
	cmd.Flags().StringVarP(&typ, "type", "t", "", "require the artifact to have this `TYPE`")
	return cmd
}

func (a *app) artifactGet(ctx context.Context, p artifact.Path, root, typ string) error {
	s, err := a.serverSettings()
	if err != nil {
		return err
	}
	remote, err := a.artifactRemote(ctx, s)
	if err != nil {
		return err
	}
	v, err := remote.Resolve(ctx, p, scopeFor(s, artifact.Path{}))
	if err != nil {
		return err
	}
	if typ != "" && v.Type != typ {
		return fmt.Errorf("artifact %s has type %q, not %q", p, v.Type, typ)
	}
	c, err := artifact.OpenCache(s.CacheDir)
	if err != nil {
		return err
	}
	art := artifact.FromVersion(v, artifact.WithRemote(remote), artifact.WithCache(c))
	if root == "" {
		dir := a.getenv("WANDB_ARTIFACT_DIR")
		if dir == "" {
			dir = "artifacts"
		}
		sep := ":"
		if runtime.GOOS == "windows" {
			sep = "-"
		}
		root = filepath.Join(dir, v.Name+sep+v.VersionName())
	}
	bar := newByteBar(a.stderr, "downloading")
	root, err = art.Download(ctx, root, artifact.WithProgress(bar.update))
	bar.done()
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "Artifact %s downloaded to %s (%d files, %s)\n", v.QualifiedName(), root, len(art.Entries()), humanBytes(art.Manifest().Size()))
	return nil
}

func (a *app) newArtifactLsCmd() *cobra.Command {
	var typ string
	cmd := &cobra.Command{
		Use:   "ls [ENTITY/]PROJECT [--type TYPE]",
		Short: "List the artifacts of a project: the latest version of each",
		Args:  argsNamed("PROJECT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			parts := strings.Split(args[0], "/")
			if len(parts) > 2 || parts[0] == "" || parts[len(parts)-1] == "" {
				return usagef("%s: %q is not [ENTITY/]PROJECT", cmd.CommandPath(), args[0])
			}
			return a.artifactLs(cmd.Context(), parts, typ)
		},
	}
	cmd.Flags().StringVarP(&typ, "type", "t", "", "only artifacts of this `TYPE`")
	return cmd
}

func (a *app) artifactLs(ctx context.Context, parts []string, typ string) error {
	s, err := a.serverSettings()
	if err != nil {
		return err
	}
	scope := artifact.Scope{Entity: s.Entity, Project: parts[len(parts)-1]}
	if len(parts) == 2 {
		scope.Entity = parts[0]
	}
	remote, err := a.artifactRemote(ctx, s)
	if err != nil {
		return err
	}
	lister, ok := remote.(artifact.Lister)
	if !ok {
		return errors.New("artifact ls: this server client cannot list artifacts")
	}
	vs, err := lister.List(ctx, scope, typ)
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		fmt.Fprintln(a.stdout, "no artifacts")
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tNAME\tALIASES\tSIZE\tCREATED")
	for _, v := range vs {
		size := "-"
		if v.Manifest != nil {
			size = humanBytes(v.Manifest.Size())
		}
		created := "-"
		if !v.CreatedAt.IsZero() {
			created = v.CreatedAt.UTC().Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s:%s\t%s\t%s\t%s\n", v.Type, v.Name, v.VersionName(), strings.Join(v.Aliases, ","), size, created)
	}
	return tw.Flush()
}

func (a *app) newArtifactCacheCleanupCmd() *cobra.Command {
	var maxSize string
	cmd := &cobra.Command{
		Use:   "cleanup --max-size SIZE",
		Short: "Shrink the artifact cache to SIZE, removing the least recently used files",
		Long: "Remove the least recently used objects of the artifact cache ($WANDB_CACHE_DIR, else the user " +
			"cache directory + /wandb) until it holds at most SIZE (\"10GB\", \"500MB\", \"1.5GiB\", bytes). " +
			"Also removes partial files that processes left behind more than a day ago.",
		Args: argsNamed(),
		RunE: func(cmd *cobra.Command, args []string) error {
			if maxSize == "" {
				return usagef("%s: --max-size is required", cmd.CommandPath())
			}
			n, err := artifact.ParseSize(maxSize)
			if err != nil {
				return &usageError{err: err}
			}
			s, err := settings.Load(a.env, a.dir)
			if err != nil {
				return err
			}
			c, err := artifact.OpenCache(s.CacheDir)
			if err != nil {
				return err
			}
			res, err := c.Cleanup(cmd.Context(), n)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Reclaimed %s of space (%d files removed); %s left in %d files in %s\n",
				humanBytes(res.FreedBytes), res.Removed, humanBytes(res.BytesInCache), res.Remaining, c.Dir())
			return nil
		},
	}
	cmd.Flags().StringVar(&maxSize, "max-size", "", "the cache's size limit, e.g. `10GB`")
	return cmd
}

// humanBytes formats a size with binary units.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// byteBar draws transfer progress on a terminal's line; nil (not a
// terminal) draws nothing. update may be called from several goroutines.
type byteBar struct {
	mu    sync.Mutex
	w     io.Writer
	verb  string
	last  time.Time
	width int
	drawn bool
}

func newByteBar(w io.Writer, verb string) *byteBar {
	if f, ok := w.(*os.File); !ok || !isTerminal(f) {
		return nil
	}
	return &byteBar{w: w, verb: verb}
}

func (b *byteBar) update(done, total int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if now := time.Now(); done < total && now.Sub(b.last) < 100*time.Millisecond {
		return // at most ten redraws a second
	} else {
		b.last = now
	}
	fill := 0
	if total > 0 {
		fill = int(int64(barCells) * done / total)
	}
	line := fmt.Sprintf("[%s%s] %s %s / %s", strings.Repeat("#", fill), strings.Repeat(".", barCells-fill), b.verb, humanBytes(done), humanBytes(total))
	pad := max(b.width-len(line), 0)
	fmt.Fprintf(b.w, "\r%s%s", line, strings.Repeat(" ", pad))
	b.width, b.drawn = len(line), true
}

// done ends the bar's line.
func (b *byteBar) done() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		fmt.Fprintln(b.w)
	}
}
