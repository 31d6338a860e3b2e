package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/gowandb/wandb/core/store/sqlite"
	"github.com/gowandb/wandb/core/store/storetest"
)

func TestArtifactsConformance(t *testing.T) {
	storetest.RunArtifacts(t, func(t *testing.T) storetest.ArtifactStore {
		return open(t, filepath.Join(t.TempDir(), "wandb.db"), sqlite.WithChunkSize(7))
	})
}
