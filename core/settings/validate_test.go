package settings

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidateRules(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name     string
		mutate   func(s *Settings)
		wantKey  string // "" = valid
		wantRule string
	}{
		{"defaults are valid", func(s *Settings) {}, "", ""},

		{"mode online", func(s *Settings) { s.Mode = "online" }, "", ""},
		{"mode offline", func(s *Settings) { s.Mode = "offline" }, "", ""},
		{"mode disabled", func(s *Settings) { s.Mode = "disabled" }, "", ""},
		{"mode alias dryrun", func(s *Settings) { s.Mode = "dryrun" }, "", ""},
		{"mode unknown", func(s *Settings) { s.Mode = "sometimes" }, "mode", ruleMode},
		{"mode shared unsupported", func(s *Settings) { s.Mode = "shared" }, "mode", ruleMode},
		{"mode empty", func(s *Settings) { s.Mode = "" }, "mode", ruleMode},

		{"project empty is fine", func(s *Settings) { s.Project = "" }, "", ""},
		{"project 128 chars", func(s *Settings) { s.Project = long(128) }, "", ""},
		{"project 128 runes of 2 bytes", func(s *Settings) { s.Project = strings.Repeat("é", 128) }, "", ""},
		{"project 129 chars", func(s *Settings) { s.Project = long(129) }, "project", ruleProjLen},
		{"project slash", func(s *Settings) { s.Project = "a/b" }, "project", ruleProjChars},
		{"project backslash", func(s *Settings) { s.Project = `a\b` }, "project", ruleProjChars},
		{"project hash", func(s *Settings) { s.Project = "a#b" }, "project", ruleProjChars},
		{"project question", func(s *Settings) { s.Project = "a?b" }, "project", ruleProjChars},
		{"project percent", func(s *Settings) { s.Project = "a%b" }, "project", ruleProjChars},
		{"project colon", func(s *Settings) { s.Project = "a:b" }, "project", ruleProjChars},
		{"project dash and dot", func(s *Settings) { s.Project = "my-proj.v2 x" }, "", ""},

		{"entity plain", func(s *Settings) { s.Entity = "team-a" }, "", ""},
		{"entity slash", func(s *Settings) { s.Entity = "team/a" }, "entity", ruleProjChars},
		{"entity colon", func(s *Settings) { s.Entity = "team:a" }, "entity", ruleProjChars},

		{"run_id unset", func(s *Settings) { s.RunID = "" }, "", ""},
		{"run_id plain", func(s *Settings) { s.RunID = "abc123_x-y.z" }, "", ""},
		{"run_id blank", func(s *Settings) { s.RunID = "   " }, "run_id", ruleIDBlank},
		{"run_id leading space", func(s *Settings) { s.RunID = " abc" }, "run_id", ruleIDSpace},
		{"run_id trailing tab", func(s *Settings) { s.RunID = "abc\t" }, "run_id", ruleIDSpace},
		{"run_id colon", func(s *Settings) { s.RunID = "a:b" }, "run_id", ruleIDChars},
		{"run_id semicolon", func(s *Settings) { s.RunID = "a;b" }, "run_id", ruleIDChars},
		{"run_id comma", func(s *Settings) { s.RunID = "a,b" }, "run_id", ruleIDChars},
		{"run_id hash", func(s *Settings) { s.RunID = "a#b" }, "run_id", ruleIDChars},
		{"run_id question", func(s *Settings) { s.RunID = "a?b" }, "run_id", ruleIDChars},
		{"run_id slash", func(s *Settings) { s.RunID = "a/b" }, "run_id", ruleIDChars},
		{"run_id quote", func(s *Settings) { s.RunID = "a'b" }, "run_id", ruleIDChars},
		{"run_id 128 chars", func(s *Settings) { s.RunID = long(128) }, "", ""},
		{"run_id 129 chars", func(s *Settings) { s.RunID = long(129) }, "run_id", ruleIDLen},

		{"run_tags fine", func(s *Settings) { s.RunTags = []string{"a", long(64)} }, "", ""},
		{"run_tags empty tag", func(s *Settings) { s.RunTags = []string{"a", ""} }, "run_tags", ruleTagLen},
		{"run_tags 65 chars", func(s *Settings) { s.RunTags = []string{long(65)} }, "run_tags", ruleTagLen},

		{"resume empty", func(s *Settings) { s.Resume = "" }, "", ""},
		{"resume allow", func(s *Settings) { s.Resume = "allow" }, "", ""},
		{"resume must", func(s *Settings) { s.Resume = "must" }, "", ""},
		{"resume never", func(s *Settings) { s.Resume = "never" }, "", ""},
		{"resume auto", func(s *Settings) { s.Resume = "auto" }, "", ""},
		{"resume true", func(s *Settings) { s.Resume = "true" }, "", ""},
		{"resume bogus", func(s *Settings) { s.Resume = "sometimes" }, "resume", ruleResume},

		{"console off", func(s *Settings) { s.Console = "off" }, "", ""},
		{"console wrap", func(s *Settings) { s.Console = "wrap" }, "", ""},
		{"console redirect", func(s *Settings) { s.Console = "redirect" }, "", ""},
		{"console auto", func(s *Settings) { s.Console = "auto" }, "", ""},
		{"console bogus", func(s *Settings) { s.Console = "tee" }, "console", ruleConsole},

		{"base_url https", func(s *Settings) { s.BaseURL = "https://wandb.example.com:8443/base" }, "", ""},
		{"base_url http localhost", func(s *Settings) { s.BaseURL = "http://localhost:8080" }, "", ""},
		{"base_url trailing slash", func(s *Settings) { s.BaseURL = "https://api.wandb.ai/" }, "", ""},
		{"base_url eu api", func(s *Settings) { s.BaseURL = "https://api.eu.wandb.ai" }, "", ""},
		{"base_url no scheme", func(s *Settings) { s.BaseURL = "api.wandb.ai" }, "base_url", ruleURL},
		{"base_url ftp", func(s *Settings) { s.BaseURL = "ftp://example.com" }, "base_url", ruleURL},
		{"base_url no host", func(s *Settings) { s.BaseURL = "https://" }, "base_url", ruleURL},
		{"base_url unparseable", func(s *Settings) { s.BaseURL = "http://[::1" }, "base_url", ruleURL},
		{"base_url space", func(s *Settings) { s.BaseURL = "https://exa mple.com" }, "base_url", ruleURL},
		{"base_url empty", func(s *Settings) { s.BaseURL = "" }, "base_url", ruleURL},
		{"base_url wandb.ai without api", func(s *Settings) { s.BaseURL = "https://wandb.ai" }, "base_url", ruleWandbAI},
		{"base_url app.wandb.ai", func(s *Settings) { s.BaseURL = "https://app.wandb.ai" }, "base_url", ruleWandbAI},
		{"base_url http api.wandb.ai", func(s *Settings) { s.BaseURL = "http://api.wandb.ai" }, "base_url", ruleWandbAI},

		{"fsync_interval zero", func(s *Settings) { s.FsyncInterval = 0 }, "", ""},
		{"fsync_interval negative", func(s *Settings) { s.FsyncInterval = -time.Second }, "fsync_interval", ruleFsync},
		{"x_stats_sampling_interval minimum", func(s *Settings) { s.StatsSamplingInterval = 100 * time.Millisecond }, "", ""},
		{"x_stats_sampling_interval too small", func(s *Settings) { s.StatsSamplingInterval = 99 * time.Millisecond }, "x_stats_sampling_interval", ruleStats},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Defaults()
			tt.mutate(s)
			err := s.Validate()
			if tt.wantKey == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want an error for %s", tt.wantKey)
			}
			ve, ok := errors.AsType[*ValueError](err)
			if !ok {
				t.Fatalf("Validate() = %v (%T), want a *ValueError", err, err)
			}
			if ve.Key != tt.wantKey || ve.Rule != tt.wantRule {
				t.Errorf("ValueError{Key: %q, Rule: %q}, want {%q, %q}", ve.Key, ve.Rule, tt.wantKey, tt.wantRule)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "settings: ") || !strings.Contains(msg, tt.wantKey) || !strings.Contains(msg, tt.wantRule) {
				t.Errorf("error %q must start with \"settings: \" and name the field %q and the rule %q", msg, tt.wantKey, tt.wantRule)
			}
		})
	}
}

func TestValidateJoinsAllProblems(t *testing.T) {
	s := Defaults()
	s.Mode = "bogus"
	s.Project = "a/b"
	s.RunID = "a b?"
	s.RunTags = []string{"ok", strings.Repeat("x", 65)}
	s.Sources["project"] = SourceInit
	err := s.Validate()
	if err == nil {
		t.Fatal("Validate() = nil, want errors")
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("Validate() error %T does not unwrap to several errors", err)
	}
	var keys []string
	for _, e := range joined.Unwrap() {
		ve, ok := errors.AsType[*ValueError](e)
		if !ok {
			t.Fatalf("joined error %v is not a *ValueError", e)
		}
		keys = append(keys, ve.Key)
	}
	if got, want := strings.Join(keys, ","), "mode,project,run_id,run_tags"; got != want {
		t.Errorf("error keys = %s, want %s", got, want)
	}
	if !strings.Contains(err.Error(), `settings: invalid project "a/b" (init): `+ruleProjChars) {
		t.Errorf("error %q does not name the project's source", err)
	}
}

func TestValidateCanonicalises(t *testing.T) {
	s := Defaults()
	s.Mode, s.Console, s.Resume = "DryRun", "auto", "true"
	s.BaseURL, s.RootDir = "https://example.com//", ""
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.Mode != ModeOffline || s.Console != ConsoleWrap || s.Resume != ResumeAuto ||
		s.BaseURL != "https://example.com" || s.RootDir != "." {
		t.Errorf("after Validate: mode %q console %q resume %q base_url %q root_dir %q",
			s.Mode, s.Console, s.Resume, s.BaseURL, s.RootDir)
	}
}

func TestValueErrorRedactsAPIKey(t *testing.T) {
	err := &ValueError{Key: "api_key", Value: "secret-secret", Rule: "r", Source: SourceEnvironment, Where: "WANDB_API_KEY"}
	if msg := err.Error(); strings.Contains(msg, "secret") {
		t.Errorf("error %q leaks the API key", msg)
	}
}
