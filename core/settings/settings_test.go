package settings

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	s := Defaults()
	if s.Mode != "online" || s.BaseURL != "https://api.wandb.ai" || s.RootDir != "." || s.Console != "off" ||
		s.FsyncInterval != time.Second || s.StatsSamplingInterval != 15*time.Second || s.Project != "" {
		t.Errorf("Defaults() = %+v", s)
	}
	for _, key := range Keys() {
		if src := s.Sources[key]; src != SourceDefault {
			t.Errorf("Sources[%q] = %q, want %q", key, src, SourceDefault)
		}
	}
	if err := s.Validate(); err != nil {
		t.Errorf("Defaults().Validate() = %v", err)
	}
}

func TestSetParsesAndRecordsSource(t *testing.T) {
	tests := []struct {
		key, raw string
		check    func(s *Settings) bool
	}{
		{"mode", "offline", func(s *Settings) bool { return s.Mode == "offline" }},
		{"mode", "dryrun", func(s *Settings) bool { return s.Mode == "offline" }},
		{"mode", "run", func(s *Settings) bool { return s.Mode == "online" }},
		{"mode", " Disabled ", func(s *Settings) bool { return s.Mode == "disabled" }},
		{"Project", "p", func(s *Settings) bool { return s.Project == "p" }},
		{"entity", "e", func(s *Settings) bool { return s.Entity == "e" }},
		{"base_url", "https://h.example/x/", func(s *Settings) bool { return s.BaseURL == "https://h.example/x" }},
		{"api_key", "k", func(s *Settings) bool { return s.APIKey == "k" }},
		{"root_dir", "/data", func(s *Settings) bool { return s.RootDir == "/data" }},
		{"root_dir", "", func(s *Settings) bool { return s.RootDir == "." }},
		{"run_id", "abc", func(s *Settings) bool { return s.RunID == "abc" }},
		{"run_name", "n", func(s *Settings) bool { return s.RunName == "n" }},
		{"run_notes", "a b", func(s *Settings) bool { return s.RunNotes == "a b" }},
		{"run_tags", " a, b ,,c,", func(s *Settings) bool { return slices.Equal(s.RunTags, []string{"a", "b", "c"}) }},
		{"run_tags", "", func(s *Settings) bool { return s.RunTags == nil }},
		{"run_group", "g", func(s *Settings) bool { return s.RunGroup == "g" }},
		{"run_job_type", "j", func(s *Settings) bool { return s.RunJobType == "j" }},
		{"resume", "allow", func(s *Settings) bool { return s.Resume == "allow" }},
		{"resume", "MUST", func(s *Settings) bool { return s.Resume == "must" }},
		{"resume", "true", func(s *Settings) bool { return s.Resume == "auto" }},
		{"resume", "false", func(s *Settings) bool { return s.Resume == "" }},
		{"resume", "", func(s *Settings) bool { return s.Resume == "" }},
		{"console", "auto", func(s *Settings) bool { return s.Console == "wrap" }},
		{"console", "redirect", func(s *Settings) bool { return s.Console == "redirect" }},
		{"sweep_id", "sw", func(s *Settings) bool { return s.SweepID == "sw" }},
		{"program", "train.go", func(s *Settings) bool { return s.Program == "train.go" }},
		{"config_dir", "/c", func(s *Settings) bool { return s.ConfigDir == "/c" }},
		{"cache_dir", "/k", func(s *Settings) bool { return s.CacheDir == "/k" }},
		{"fsync_interval", "250ms", func(s *Settings) bool { return s.FsyncInterval == 250*time.Millisecond }},
		{"fsync_interval", "2.5", func(s *Settings) bool { return s.FsyncInterval == 2500*time.Millisecond }},
		{"fsync_interval", "0", func(s *Settings) bool { return s.FsyncInterval == 0 }},
		{"x_stats_sampling_interval", "0.1", func(s *Settings) bool { return s.StatsSamplingInterval == 100*time.Millisecond }},
		{"x_stats_sampling_interval", "1m", func(s *Settings) bool { return s.StatsSamplingInterval == time.Minute }},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.raw, func(t *testing.T) {
			s := Defaults()
			if err := s.Set(tt.key, tt.raw, SourceInit); err != nil {
				t.Fatalf("Set(%q, %q) = %v", tt.key, tt.raw, err)
			}
			if !tt.check(s) {
				t.Errorf("Set(%q, %q) gave %+v", tt.key, tt.raw, s)
			}
			if src := s.Source(strings.ToLower(tt.key)); src != SourceInit {
				t.Errorf("Source(%q) = %q, want %q", tt.key, src, SourceInit)
			}
			if err := s.Validate(); err != nil {
				t.Errorf("Validate() after Set = %v", err)
			}
		})
	}
}

func TestSetBool(t *testing.T) {
	bools := map[string]func(*Settings) bool{
		"force":            func(s *Settings) bool { return s.Force },
		"allow_val_change": func(s *Settings) bool { return s.AllowValChange },
		"save_code":        func(s *Settings) bool { return s.SaveCode },
		"disable_git":      func(s *Settings) bool { return s.DisableGit },
		"disable_code":     func(s *Settings) bool { return s.DisableCode },
		"silent":           func(s *Settings) bool { return s.Silent },
		"quiet":            func(s *Settings) bool { return s.Quiet },
		"sync_tensorboard": func(s *Settings) bool { return s.SyncTensorboard },
		"monitor_gym":      func(s *Settings) bool { return s.MonitorGym },
	}
	values := []struct {
		raw  string
		want bool
		ok   bool
	}{
		{"true", true, true}, {"TRUE", true, true}, {"True", true, true}, {"1", true, true},
		{"yes", true, true}, {"YES", true, true}, {" yes ", true, true},
		{"false", false, true}, {"False", false, true}, {"0", false, true}, {"no", false, true}, {"No", false, true},
		{"", false, false}, {"y", false, false}, {"on", false, false}, {"2", false, false}, {"truth", false, false},
	}
	for key, get := range bools {
		for _, v := range values {
			t.Run(key+"="+v.raw, func(t *testing.T) {
				s := Defaults()
				if !v.want {
					s.Set(key, "true", SourceDefault) // so that false is visible
				}
				err := s.Set(key, v.raw, SourceEnvironment)
				if !v.ok {
					assertValueError(t, err, key, v.raw, ruleBool)
					return
				}
				if err != nil {
					t.Fatalf("Set(%q, %q) = %v", key, v.raw, err)
				}
				if got := get(s); got != v.want {
					t.Errorf("Set(%q, %q): got %v, want %v", key, v.raw, got, v.want)
				}
			})
		}
	}
}

func TestSetRejectsBadValues(t *testing.T) {
	tests := []struct{ key, raw, rule string }{
		{"mode", "bogus", ruleMode},
		{"mode", "", ruleMode},
		{"project", "a/b", ruleProjChars},
		{"project", strings.Repeat("p", 129), ruleProjLen},
		{"entity", "a?b", ruleProjChars},
		{"base_url", "not a url", ruleURL},
		{"base_url", "https://wandb.ai/", ruleWandbAI},
		{"run_id", " x", ruleIDSpace},
		{"run_id", "a/b", ruleIDChars},
		{"run_id", "\t", ruleIDBlank},
		{"run_tags", "ok," + strings.Repeat("t", 65), ruleTagLen},
		{"resume", "maybe", ruleResume},
		{"console", "tee", ruleConsole},
		{"fsync_interval", "soon", ruleDuration},
		{"fsync_interval", "-1s", ruleFsync},
		{"fsync_interval", "NaN", ruleDuration},
		{"fsync_interval", "1e300", ruleDuration},
		{"x_stats_sampling_interval", "0.05", ruleStats},
		{"x_stats_sampling_interval", "", ruleDuration},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.raw, func(t *testing.T) {
			s := Defaults()
			before := s.Clone()
			err := s.Set(tt.key, tt.raw, SourceEnvironment)
			assertValueError(t, err, tt.key, tt.raw, tt.rule)
			if got, _ := s.Get(tt.key); got != must(before.Get(tt.key)) || s.Source(tt.key) != SourceDefault {
				t.Errorf("failed Set changed %s to %q (source %q)", tt.key, got, s.Source(tt.key))
			}
		})
	}
}

func TestSetUnknownKey(t *testing.T) {
	err := Defaults().Set("no_such_setting", "x", SourceInit)
	if !errors.Is(err, ErrUnknownKey) || !strings.Contains(err.Error(), "no_such_setting") {
		t.Errorf("Set(unknown) = %v, want ErrUnknownKey naming the key", err)
	}
	if _, ok := Defaults().Get("no_such_setting"); ok {
		t.Error("Get(unknown) ok = true")
	}
}

func TestSetOnZeroSettingsInitialisesSources(t *testing.T) {
	var s Settings
	if err := s.Set("project", "p", SourceInit); err != nil {
		t.Fatal(err)
	}
	if s.Source("project") != SourceInit || s.Source("entity") != SourceDefault {
		t.Errorf("Sources = %v", s.Sources)
	}
}

// Get formats every setting so that Set accepts it back unchanged.
func TestGetSetRoundTrip(t *testing.T) {
	s := Defaults()
	for key, raw := range map[string]string{
		"mode": "offline", "project": "p", "entity": "e", "base_url": "http://localhost:8080",
		"api_key": "k", "root_dir": "/r", "run_id": "id1", "run_name": "n", "run_notes": "multi word",
		"run_tags": "a,b c", "run_group": "g", "run_job_type": "train", "resume": "must",
		"force": "yes", "allow_val_change": "1", "save_code": "true", "disable_git": "true",
		"disable_code": "true", "console": "redirect", "silent": "true", "quiet": "true",
		"sync_tensorboard": "true", "monitor_gym": "true", "sweep_id": "sw", "program": "p.go",
		"config_dir": "/c", "cache_dir": "/k", "fsync_interval": "1.25", "x_stats_sampling_interval": "2m",
	} {
		if err := s.Set(key, raw, SourceInit); err != nil {
			t.Fatalf("Set(%q, %q) = %v", key, raw, err)
		}
	}
	for _, settings := range []*Settings{Defaults(), s} {
		for _, key := range Keys() {
			v := must(settings.Get(key))
			c := settings.Clone()
			if err := c.Set(key, v, SourceInit); err != nil {
				t.Errorf("Set(%q, Get(%q) = %q) = %v", key, key, v, err)
				continue
			}
			if back := must(c.Get(key)); back != v {
				t.Errorf("%s: Get %q, Set it, Get %q", key, v, back)
			}
		}
	}
	if len(Keys()) != 30 {
		t.Errorf("len(Keys()) = %d; update this test when adding settings", len(Keys()))
	}
}

func TestCloneIsDeep(t *testing.T) {
	s := Defaults()
	s.RunTags = []string{"a"}
	c := s.Clone()
	c.RunTags[0] = "b"
	c.Sources["mode"] = SourceInit
	if s.RunTags[0] != "a" || s.Sources["mode"] != SourceDefault {
		t.Error("Clone shares RunTags or Sources with the original")
	}
}

func assertValueError(t *testing.T, err error, key, value, rule string) {
	t.Helper()
	ve, ok := errors.AsType[*ValueError](err)
	if !ok {
		t.Fatalf("error = %v (%T), want a *ValueError", err, err)
	}
	if ve.Key != key || ve.Value != value || ve.Rule != rule {
		t.Errorf("ValueError = %+v, want key %q value %q rule %q", ve, key, value, rule)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "settings: ") || !strings.Contains(msg, key) ||
		!strings.Contains(msg, rule) || !strings.Contains(msg, strconv.Quote(value)) {
		t.Errorf("error %q must name the key %q, the value %q and the rule %q", msg, key, value, rule)
	}
}

func must[T any](v T, ok bool) T {
	if !ok {
		panic("unexpected !ok")
	}
	return v
}
