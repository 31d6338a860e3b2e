package artifact

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gowandb/wandb/core/record/recordpb"
)

func TestRecordRoundTrip(t *testing.T) {
	ctx := context.Background()
	a := newTest(t, WithDescription("desc"), WithMetadata(map[string]any{"lr": 0.1}), WithIncremental(true))
	a.AddFile(ctx, writeFile(t, filepath.Join(t.TempDir(), "x.txt"), "hello"))
	a.AddReference(ctx, "gs://b/k")
	req, err := a.NewLogRequest(ctx, Scope{Entity: "e", Project: "p", Run: "r"}, []string{"best"}, []string{"t1"}, 7)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := ToRecord(req)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Metadata != `{"lr":0.1}` || !rec.Finalize || rec.UserCreated || len(rec.Manifest.Contents) != 2 || rec.Manifest.Contents[1].LocalPath == "" {
		t.Fatalf("record = %v", rec)
	}
	back, err := FromRecord(rec)
	if err != nil {
		t.Fatal(err)
	}
	if back.HistoryStep != -1 {
		t.Errorf("HistoryStep = %d, want -1", back.HistoryStep)
	}
	back.HistoryStep = req.HistoryStep
	if !reflect.DeepEqual(back, req) {
		t.Errorf("round trip:\ngot  %+v\nwant %+v", back, req)
	}
	bad := &recordpb.ArtifactRecord{Name: "x", Manifest: &recordpb.ArtifactManifest{Version: 1, Contents: []*recordpb.ArtifactManifestEntry{{Path: "../x", Digest: "d"}}}}
	if _, err := FromRecord(bad); !errors.Is(err, ErrInvalidManifest) {
		t.Errorf("record with an escaping path = %v", err)
	}
}
