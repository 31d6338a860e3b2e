package dashboard_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/server/dashboard"
)

func TestParseTableRejectsWhatIsNotATable(t *testing.T) {
	for in, want := range map[string]string{
		`[1,2]`:                           "not a JSON object",
		`{"data":[]}`:                     `no "columns" list`,
		`{"columns":["a"],"data":[1]}`:    "row 0 is not a list",
		`{"columns":["a"],"data":[[1],}`:  "not JSON",
		`{"columns":["a","b"],"data":[]}`: "",
	} {
		_, err := dashboard.ParseTable([]byte(in))
		if want == "" {
			if err != nil {
				t.Errorf("ParseTable(%s): %v", in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "dashboard: ") {
			t.Errorf("ParseTable(%s) = %v, want an error containing %q", in, err, want)
		}
	}
}

func FuzzParseTable(f *testing.F) {
	for _, s := range []string{`{"columns":["a","b"],"data":[[1,"x"],[NaN,null],[Infinity]]}`,
		`{"columns":[1,2],"data":[[{"_type":"image-file","path":"x.png"},[1,2]]]}`, `{}`, `[`, `{"columns":[],"data":[[]]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		tb, err := dashboard.ParseTable([]byte(in))
		if err != nil {
			return
		}
		for _, row := range tb.Data {
			if len(row) != len(tb.Columns) {
				t.Fatalf("row of %d cells for %d columns", len(row), len(tb.Columns))
			}
		}
		if _, err := json.Marshal(tb); err != nil {
			t.Fatalf("a parsed table does not encode: %v", err)
		}
		if len(tb.Columns) > 0 {
			if err := tb.Sort(tb.Columns[0], true); err != nil {
				t.Fatal(err)
			}
		}
	})
}
