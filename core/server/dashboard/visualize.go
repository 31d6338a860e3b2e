package dashboard

import "encoding/json"

// customChart is a W&B custom chart of a run (wandb.plot_table): its Vega
// preset, the fields mapping its roles to table columns, its strings
// (title, axis titles) and the history key of its table.
type customChart struct {
	Spec     string            `json:"spec"`
	Fields   map[string]string `json:"fields"`
	Strings  map[string]string `json:"strings"`
	TableKey string            `json:"tableKey"`
}

// customCharts reads config _wandb.visualize, where the SDK puts each
// chart's panel config: {"panel_type": "Vega2", "panel_config":
// {"panelDefId", "fieldSettings", "stringSettings", "userQuery": {... the
// tableKey ...}}}.
func customCharts(config json.RawMessage) map[string]customChart {
	out := map[string]customChart{}
	w, _ := decodeObject(config)["_wandb"].(map[string]any)
	if v, ok := w["value"].(map[string]any); ok {
		w = v
	}
	vis, _ := w["visualize"].(map[string]any)
	for key, x := range vis {
		v, _ := x.(map[string]any)
		pc, _ := v["panel_config"].(map[string]any)
		spec, _ := pc["panelDefId"].(string)
		if spec == "" {
			continue
		}
		c := customChart{Spec: spec, Fields: strMap(pc["fieldSettings"]), Strings: strMap(pc["stringSettings"]),
			TableKey: findTableKey(pc["userQuery"])}
		if c.TableKey == "" {
			c.TableKey = key + "_table"
		}
		out[key] = c
	}
	return out
}

func strMap(v any) map[string]string {
	out := map[string]string{}
	m, _ := v.(map[string]any)
	for k, x := range m {
		if s, ok := x.(string); ok {
			out[k] = s
		}
	}
	return out
}

// findTableKey finds {"name": "tableKey", "value": K} in a user query.
func findTableKey(v any) string {
	switch x := v.(type) {
	case map[string]any:
		if x["name"] == "tableKey" {
			if s, ok := x["value"].(string); ok {
				return s
			}
		}
		for _, y := range x {
			if s := findTableKey(y); s != "" {
				return s
			}
		}
	case []any:
		for _, y := range x {
			if s := findTableKey(y); s != "" {
				return s
			}
		}
	}
	return ""
}
