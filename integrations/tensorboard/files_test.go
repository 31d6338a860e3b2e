package tensorboard

import (
	"testing"
	"time"
)

func TestFilterMatch(t *testing.T) {
	f := Filter{StartTime: time.Unix(1700000000, 0), Hostname: "box"}
	cases := map[string]bool{
		"events.out.tfevents.1700000000.box":                    true,
		"events.out.tfevents.1700000005.box.1234.0.v2":          true, // TF2
		"/logs/train/events.out.tfevents.1700000001.box":        true,
		"events.out.tfevents.1699999999.box":                    false, // before the run
		"events.out.tfevents.1700000000.boxer":                  false, // another host
		"events.out.tfevents.1700000000.box.profile-empty":      false,
		"events.out.tfevents.1700000000.box.sagemaker-uploaded": false,
		"events.out.tfevents.x.box":                             false,
		"events.out.tfevents.1700000000":                        false,
		"notes.txt":                                             false,
	}
	for name, want := range cases {
		if got := f.Match(name); got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	if !(Filter{}).Match("events.out.tfevents.1.anyhost") {
		t.Error("the zero Filter refuses a well-named file")
	}
}

func TestNamespaceAndSaveName(t *testing.T) {
	if got := namespaceOf("eval", "/logs", "/logs/train/a"); got != "eval/train/a" {
		t.Errorf("namespace %q", got)
	}
	if got := namespaceOf("", "/logs", "/logs"); got != "" {
		t.Errorf("root namespace %q", got)
	}
	if got := namespaceOf("", "/logs", "/elsewhere"); got != "" {
		t.Errorf("outside namespace %q", got)
	}
	if got := saveName("/logs", "/logs/train/events.out.tfevents.1.h"); got != "train/events.out.tfevents.1.h" {
		t.Errorf("save name %q", got)
	}
	if got := saveName("/logs", "/other/events.out.tfevents.1.h"); got != "events.out.tfevents.1.h" {
		t.Errorf("save name outside %q", got)
	}
}
