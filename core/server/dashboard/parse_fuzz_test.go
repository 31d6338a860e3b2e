package dashboard

import (
	"encoding/json"
	"testing"
)

// FuzzMediaAndCharts feeds arbitrary history rows and configs to the
// readers of media values and custom charts: they must not panic, and
// what they return must encode as JSON.
func FuzzMediaAndCharts(f *testing.F) {
	f.Add(`{"img":{"_type":"image-file","path":"a.png","caption":"c","boxes":{"p":{"path":"b.json"}},"masks":{"m":{"path":"m.png"}}}}`,
		`{"_wandb":{"value":{"visualize":{"roc":{"panel_config":{"panelDefId":"wandb/line/v0","fieldSettings":{"x":"a"},"userQuery":[{"name":"tableKey","value":"t"}]}}}}}}`)
	f.Add(`{"v":{"_type":"videos","videos":[{"path":"x.gif"}],"captions":["a"]},"o":{"_type":"object3D","filenames":["a.pts.json",3]}}`, `{"_wandb":[1]}`)
	f.Add(`{"t":{"_type":"table-file","path":"t.json","nrows":1e300,"ncols":-1}}`, `[]`)
	f.Add(`not json`, `{"_wandb":{"visualize":{"k":{"panel_config":{"panelDefId":7}}}}}`)
	f.Fuzz(func(t *testing.T, row, config string) {
		for _, v := range decodeObject([]byte(row)) {
			if o, ok := v.(map[string]any); ok {
				kind, items := mediaItems(o)
				if kind == "" && items != nil {
					t.Fatalf("items without a kind: %v", items)
				}
				if _, err := json.Marshal(items); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := json.Marshal(customCharts(json.RawMessage(config))); err != nil {
			t.Fatal(err)
		}
	})
}
