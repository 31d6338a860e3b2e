package settings

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits from W&B's validators (wandb/sdk/wandb_settings.py).
const (
	MaxProjectLen = 128 // characters in a project name
	MaxRunIDLen   = 128 // characters in a run id
	MaxTagLen     = 64  // characters in one run tag
)

const (
	projectChars = `/\#?%:`
	runIDChars   = `:;,#?/'`
)

// The rules, as they appear in errors.
const (
	ruleBool      = "must be true/false, 1/0 or yes/no"
	ruleDuration  = `must be a Go duration ("500ms") or a number of seconds`
	ruleMode      = "must be one of online, offline, disabled (aliases: dryrun = offline, run = online)"
	ruleResume    = `must be one of allow, must, never, auto, true (= auto), false or empty`
	ruleConsole   = "must be one of off, wrap, redirect, auto (= wrap)"
	ruleProjLen   = "must be at most 128 characters"
	ruleProjChars = `must not contain any of / \ # ? % :`
	ruleIDBlank   = "must not be blank"
	ruleIDSpace   = "must not start or end with whitespace"
	ruleIDChars   = `must not contain any of : ; , # ? / '`
	ruleIDLen     = "must be at most 128 characters"
	ruleTagLen    = "each tag must be 1 to 64 characters"
	ruleURL       = "must be an http or https URL with a host"
	ruleWandbAI   = "a wandb.ai server must be https://api.wandb.ai (or another https://api.*.wandb.ai)"
	ruleFsync     = "must not be negative"
	ruleStats     = "must be at least 100ms"
)

// ValueError reports a setting value that breaks the setting's rule. Use
// errors.As to get at it.
type ValueError struct {
	Key    string // snake_case setting key, e.g. "run_id"
	Value  string // the offending value (never printed for api_key)
	Rule   string // the rule it breaks, e.g. "must be at most 128 characters"
	Source Source // where the value came from, "" if unknown
	// Where locates the value more precisely when known: "path:line" for a
	// settings file, the variable name for the environment.
	Where string
}

func (e *ValueError) Error() string {
	val := fmt.Sprintf("%q", e.Value)
	if e.Key == "api_key" {
		val = "(redacted)"
	}
	var from string
	switch {
	case e.Where != "" && e.Source != "":
		from = fmt.Sprintf(" (%s %s)", e.Source, e.Where)
	case e.Where != "":
		from = fmt.Sprintf(" (%s)", e.Where)
	case e.Source != "":
		from = fmt.Sprintf(" (%s)", e.Source)
	}
	return fmt.Sprintf("settings: invalid %s %s%s: %s", e.Key, val, from, e.Rule)
}

// Validate canonicalises aliases that a caller may have assigned directly
// (mode dryrun/run, console auto, resume true/false, case, a trailing "/" on
// base_url, an empty root_dir) and then checks every rule:
//
//   - mode: online, offline or disabled;
//   - project: at most 128 characters, none of / \ # ? % :
//   - entity: none of / \ # ? % :
//   - base_url: an http(s) URL with a host; wandb.ai hosts must be https://api.*
//   - run_id, when set: not blank, no leading/trailing whitespace, none of
//     : ; , # ? / ' and at most 128 characters;
//   - run_tags: each tag 1 to 64 characters;
//   - resume: "", allow, must, never or auto;
//   - console: off, wrap or redirect;
//   - fsync_interval, finish_timeout: not negative;
//   - x_stats_sampling_interval: at least 100ms.
//
// It returns all problems joined with errors.Join, each a *[ValueError]
// naming the key (the field), the value and the rule.
func (s *Settings) Validate() error {
	s.Mode = normMode(s.Mode)
	s.Console = normConsole(s.Console)
	s.Resume = normResume(s.Resume)
	s.BaseURL = normBaseURL(s.BaseURL)
	s.RootDir = normRootDir(s.RootDir)

	var errs []error
	check := func(key, value, rule string) {
		if rule != "" {
			errs = append(errs, &ValueError{Key: key, Value: value, Rule: rule, Source: s.Sources[key]})
		}
	}
	check("mode", s.Mode, checkMode(s.Mode))
	check("project", s.Project, checkProject(s.Project))
	check("entity", s.Entity, checkEntity(s.Entity))
	check("base_url", s.BaseURL, checkBaseURL(s.BaseURL))
	check("run_id", s.RunID, checkRunID(s.RunID))
	for _, t := range s.RunTags {
		check("run_tags", t, checkTag(t))
	}
	check("resume", s.Resume, checkResume(s.Resume))
	check("console", s.Console, checkConsole(s.Console))
	check("fsync_interval", s.FsyncInterval.String(), checkFsyncInterval(s.FsyncInterval))
	check("finish_timeout", s.FinishTimeout.String(), checkFsyncInterval(s.FinishTimeout))
	check("x_stats_sampling_interval", s.StatsSamplingInterval.String(), checkStatsSamplingInterval(s.StatsSamplingInterval))
	return errors.Join(errs...)
}

// The check functions return the broken rule, or "" when v is fine.

func checkMode(v string) string {
	switch v {
	case ModeOnline, ModeOffline, ModeDisabled:
		return ""
	}
	return ruleMode
}

func checkResume(v string) string {
	switch v {
	case ResumeNone, ResumeAllow, ResumeMust, ResumeNever, ResumeAuto:
		return ""
	}
	return ruleResume
}

func checkConsole(v string) string {
	switch v {
	case ConsoleOff, ConsoleWrap, ConsoleRedirect:
		return ""
	}
	return ruleConsole
}

func checkProject(v string) string {
	if utf8.RuneCountInString(v) > MaxProjectLen {
		return ruleProjLen
	}
	if strings.ContainsAny(v, projectChars) {
		return ruleProjChars
	}
	return ""
}

func checkEntity(v string) string {
	if strings.ContainsAny(v, projectChars) {
		return ruleProjChars
	}
	return ""
}

// checkRunID follows validate_run_id; "" means "not set" and is fine.
func checkRunID(v string) string {
	switch {
	case v == "":
		return ""
	case strings.TrimSpace(v) == "":
		return ruleIDBlank
	case strings.TrimSpace(v) != v:
		return ruleIDSpace
	case strings.ContainsAny(v, runIDChars):
		return ruleIDChars
	case utf8.RuneCountInString(v) > MaxRunIDLen:
		return ruleIDLen
	}
	return ""
}

func checkTag(t string) string {
	if n := utf8.RuneCountInString(t); n < 1 || n > MaxTagLen {
		return ruleTagLen
	}
	return ""
}

// checkBaseURL follows validate_base_url: an http(s) URL with a host, and
// wandb.ai hosts only as https://api.* (users often guess https://wandb.ai).
func checkBaseURL(v string) string {
	if strings.ContainsFunc(v, unicode.IsSpace) {
		return ruleURL
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return ruleURL
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return ruleURL
	}
	host := strings.ToLower(u.Hostname())
	if host == "wandb.ai" || strings.HasSuffix(host, ".wandb.ai") {
		if scheme != "https" || !strings.HasPrefix(host, "api.") {
			return ruleWandbAI
		}
	}
	return ""
}

func checkFsyncInterval(d time.Duration) string {
	if d < 0 {
		return ruleFsync
	}
	return ""
}

func checkStatsSamplingInterval(d time.Duration) string {
	if d < MinStatsSamplingInterval {
		return ruleStats
	}
	return ""
}
