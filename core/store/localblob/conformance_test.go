package localblob_test

import (
	"testing"

	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/blobtest"
)

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) store.Blobs {
		d, _ := newDir(t)
		return d
	})
}
