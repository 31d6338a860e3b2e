package runlog

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/gowandb/wandb/core/wal"
)

// FuzzReplay feeds arbitrary bytes to Replay and ReadStatus: they must not
// panic, and must either refuse the file as not a run log or return an Info.
func FuzzReplay(f *testing.F) {
	good, err := os.ReadFile(manyRows(f, 200))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(good[:wal.HeaderSize])
	f.Add([]byte{})
	f.Add([]byte(":W&B\xe1\xbe\x01"))
	if b, err := os.ReadFile(realRun); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "run-fuzz.wandb")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		info, err := Replay(path, func(r Row) error {
			_ = r.Map()
			return nil
		})
		if err != nil {
			// A version byte other than 0 is refused with its own sentinel.
			if !errors.Is(err, wal.ErrBadHeader) && !errors.Is(err, wal.ErrUnsupportedVersion) {
				t.Fatalf("Replay error %v wraps neither wal.ErrBadHeader nor wal.ErrUnsupportedVersion", err)
			}
			if info != nil {
				t.Fatal("Replay returned both an error and an Info")
			}
		} else {
			if info == nil {
				t.Fatal("Replay returned neither an error nor an Info")
			}
			if info.Rows < 0 || info.Records < info.Unknown || (info.Rows == 0 && info.LastStep != -1) {
				t.Fatalf("inconsistent Info: %+v", info)
			}
			_ = info.State()
		}
		st, err := ReadStatus(path)
		if err == nil {
			_ = st.State()
		}
	})
}
