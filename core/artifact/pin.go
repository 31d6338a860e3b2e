package artifact

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Pins keep the cached files of an artifact logged but not yet committed
// to a server (an offline run waiting for `wandb sync`) out of reach of
// Cache.Cleanup: the run log names those cache objects as the files to
// upload, so removing one would lose data that was logged.
//
// A pin is a hard link to each object under pins/<client id>/; Cleanup
// leaves objects with more than one link alone. Committing the artifact
// (core/syncer) removes the pin.

// pinDir is where the pins of one log request live.
func (c *Cache) pinDir(clientID string) (string, error) {
	if clientID == "" || strings.ContainsAny(clientID, `/\.`) || strings.ContainsRune(clientID, 0) {
		return "", fmt.Errorf("%w: pin name %q", ErrInvalid, clientID)
	}
	return filepath.Join(c.root, "pins", clientID), nil
}

// Pin protects the cached objects of req's entries (those whose LocalPath
// is in this cache) from Cleanup until Unpin(req.ClientID).
func (c *Cache) Pin(req LogRequest) error {
	dir, err := c.pinDir(req.ClientID)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("artifact: pin: %w", err)
	}
	objRoot := filepath.Join(c.root, "obj") + string(filepath.Separator)
	for _, e := range req.Manifest.Entries() {
		if e.LocalPath == "" || !strings.HasPrefix(e.LocalPath, objRoot) {
			continue
		}
		link := filepath.Join(dir, filepath.Base(filepath.Dir(e.LocalPath))+filepath.Base(e.LocalPath))
		if err := os.Link(e.LocalPath, link); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("artifact: pin %s: %w", e.Path, err)
		}
	}
	return nil
}

// Unpin releases the pin of a log request; a missing pin is fine.
func (c *Cache) Unpin(clientID string) error {
	dir, err := c.pinDir(clientID)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("artifact: unpin: %w", err)
	}
	return nil
}

// UnpinCommitted releases the pin of a committed log request, in the cache
// its entries live in (found from their paths), so the caller need not
// know which cache the run used.
func UnpinCommitted(req LogRequest) error {
	for _, e := range req.Manifest.Entries() {
		// <root>/obj/md5/<xx>/<rest>
		p := e.LocalPath
		if p == "" {
			continue
		}
		obj := filepath.Dir(filepath.Dir(filepath.Dir(p)))
		if filepath.Base(obj) != "obj" {
			continue
		}
		c := &Cache{root: filepath.Dir(obj)}
		return c.Unpin(req.ClientID)
	}
	return nil
}

// Pin pins req's cached files in the artifact's cache (see Cache.Pin):
// for a request that reaches the server later, through a run log.
func (a *Artifact) Pin(req LogRequest) error {
	c, err := a.cache()
	if err != nil {
		return err
	}
	return c.Pin(req)
}
