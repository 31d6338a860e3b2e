package settings

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// spec is how one setting is parsed, checked and formatted.
type spec struct {
	// set parses raw, checks the setting's rule and assigns the value. It
	// returns the broken rule, or "" on success; on failure s is unchanged.
	set func(s *Settings, raw string) (rule string)
	// get formats the current value so that set accepts it back.
	get func(s *Settings) string
}

// specs is the table of known settings by snake_case key. It is never
// modified after initialisation.
var specs = map[string]spec{
	"mode":                      enumSpec(func(s *Settings) *string { return &s.Mode }, normMode, checkMode),
	"project":                   stringSpec(func(s *Settings) *string { return &s.Project }, checkProject),
	"entity":                    stringSpec(func(s *Settings) *string { return &s.Entity }, checkEntity),
	"base_url":                  enumSpec(func(s *Settings) *string { return &s.BaseURL }, normBaseURL, checkBaseURL),
	"api_key":                   stringSpec(func(s *Settings) *string { return &s.APIKey }, nil),
	"root_dir":                  enumSpec(func(s *Settings) *string { return &s.RootDir }, normRootDir, nil),
	"run_id":                    stringSpec(func(s *Settings) *string { return &s.RunID }, checkRunID),
	"run_name":                  stringSpec(func(s *Settings) *string { return &s.RunName }, nil),
	"run_notes":                 stringSpec(func(s *Settings) *string { return &s.RunNotes }, nil),
	"run_tags":                  {set: setTags, get: func(s *Settings) string { return strings.Join(s.RunTags, ",") }},
	"run_group":                 stringSpec(func(s *Settings) *string { return &s.RunGroup }, nil),
	"run_job_type":              stringSpec(func(s *Settings) *string { return &s.RunJobType }, nil),
	"resume":                    enumSpec(func(s *Settings) *string { return &s.Resume }, normResume, checkResume),
	"force":                     boolSpec(func(s *Settings) *bool { return &s.Force }),
	"allow_val_change":          boolSpec(func(s *Settings) *bool { return &s.AllowValChange }),
	"save_code":                 boolSpec(func(s *Settings) *bool { return &s.SaveCode }),
	"disable_git":               boolSpec(func(s *Settings) *bool { return &s.DisableGit }),
	"disable_code":              boolSpec(func(s *Settings) *bool { return &s.DisableCode }),
	"console":                   enumSpec(func(s *Settings) *string { return &s.Console }, normConsole, checkConsole),
	"silent":                    boolSpec(func(s *Settings) *bool { return &s.Silent }),
	"quiet":                     boolSpec(func(s *Settings) *bool { return &s.Quiet }),
	"sync_tensorboard":          boolSpec(func(s *Settings) *bool { return &s.SyncTensorboard }),
	"monitor_gym":               boolSpec(func(s *Settings) *bool { return &s.MonitorGym }),
	"sweep_id":                  stringSpec(func(s *Settings) *string { return &s.SweepID }, nil),
	"program":                   stringSpec(func(s *Settings) *string { return &s.Program }, nil),
	"config_dir":                stringSpec(func(s *Settings) *string { return &s.ConfigDir }, nil),
	"cache_dir":                 stringSpec(func(s *Settings) *string { return &s.CacheDir }, nil),
	"fsync_interval":            durationSpec(func(s *Settings) *time.Duration { return &s.FsyncInterval }, checkFsyncInterval),
	"finish_timeout":            durationSpec(func(s *Settings) *time.Duration { return &s.FinishTimeout }, checkFsyncInterval),
	"x_stats_sampling_interval": durationSpec(func(s *Settings) *time.Duration { return &s.StatsSamplingInterval }, checkStatsSamplingInterval),
}

// stringSpec is a free-form string setting with an optional rule.
func stringSpec(field func(*Settings) *string, check func(string) string) spec {
	return enumSpec(field, nil, check)
}

// enumSpec is a string setting whose raw value is first normalised (aliases,
// case) by norm, then checked.
func enumSpec(field func(*Settings) *string, norm func(string) string, check func(string) string) spec {
	return spec{
		set: func(s *Settings, raw string) string {
			v := raw
			if norm != nil {
				v = norm(v)
			}
			if check != nil {
				if rule := check(v); rule != "" {
					return rule
				}
			}
			*field(s) = v
			return ""
		},
		get: func(s *Settings) string { return *field(s) },
	}
}

func boolSpec(field func(*Settings) *bool) spec {
	return spec{
		set: func(s *Settings, raw string) string {
			b, ok := parseBool(raw)
			if !ok {
				return ruleBool
			}
			*field(s) = b
			return ""
		},
		get: func(s *Settings) string { return strconv.FormatBool(*field(s)) },
	}
}

func durationSpec(field func(*Settings) *time.Duration, check func(time.Duration) string) spec {
	return spec{
		set: func(s *Settings, raw string) string {
			d, ok := parseDuration(raw)
			if !ok {
				return ruleDuration
			}
			if rule := check(d); rule != "" {
				return rule
			}
			*field(s) = d
			return ""
		},
		get: func(s *Settings) string { return field(s).String() },
	}
}

// setTags splits a comma list, trims the items and drops empty ones.
func setTags(s *Settings, raw string) string {
	var tags []string
	for t := range strings.SplitSeq(raw, ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	for _, t := range tags {
		if rule := checkTag(t); rule != "" {
			return rule
		}
	}
	s.RunTags = tags
	return ""
}

// parseBool accepts true/false, 1/0 and yes/no in any case.
func parseBool(raw string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(raw)) {
	case "true", "1", "yes":
		return true, true
	case "false", "0", "no":
		return false, true
	}
	return false, false
}

// parseDuration accepts a number of seconds ("1.5") or a Go duration
// ("1500ms"). Negative values are left to the setting's rule.
func parseDuration(raw string) (time.Duration, bool) {
	raw = strings.TrimSpace(raw)
	if f, err := strconv.ParseFloat(raw, 64); err == nil {
		ns := f * float64(time.Second)
		if math.IsNaN(ns) || ns >= math.MaxInt64 || ns <= math.MinInt64 {
			return 0, false
		}
		return time.Duration(ns), true
	}
	d, err := time.ParseDuration(raw)
	return d, err == nil
}

func normMode(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	switch v {
	case "dryrun":
		return ModeOffline
	case "run":
		return ModeOnline
	}
	return v
}

func normResume(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if b, ok := parseBool(v); ok {
		if b {
			return ResumeAuto
		}
		return ResumeNone
	}
	return v
}

func normConsole(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "auto" {
		return ConsoleWrap
	}
	return v
}

func normBaseURL(v string) string {
	return strings.TrimRight(strings.TrimSpace(v), "/")
}

func normRootDir(v string) string {
	if v == "" {
		return DefaultRootDir
	}
	return v
}
