// Package settings resolves the settings of a gowandb run and records where
// each value came from.
//
// It implements the W&B settings model (wandb/sdk/wandb_settings.py): every
// setting has a snake_case key ("mode", "project", "run_id", ...) and its value
// is taken from the highest-precedence source that sets it. From low to high:
//
//  1. built-in defaults ([Defaults]);
//  2. the global settings file, $WANDB_CONFIG_DIR/settings or
//     ~/.config/wandb/settings ([GlobalPath]);
//  3. the workspace settings file, <root_dir>/wandb/settings ([WorkspacePath]);
//  4. environment variables (WANDB_MODE, WANDB_PROJECT, ...; see [EnvKeys]);
//  5. explicit Init options, applied by the caller on top of [Load]'s result
//     (by assigning fields or calling [Settings.Set] with [SourceInit]),
//     followed by [Settings.Validate].
//
// Settings files are INI files with a single [default] section of
// "key = value" lines (W&B reads them with Python's configparser): "#" and ";"
// start full-line comments, keys are case-insensitive, and keys this package
// does not know are ignored because W&B writes keys gowandb does not use.
// [WriteFile] edits one key in place, which is what `wandb offline`,
// `wandb online` and `wandb disabled` do to the workspace file.
//
// Environment variables follow W&B's mapping: WANDB_FOO sets the setting
// "foo" when such a setting exists, WANDB__FOO sets "x_foo", and a few names
// are special (WANDB_DIR → root_dir, WANDB_NAME → run_name, WANDB_NOTES →
// run_notes, WANDB_TAGS → run_tags, WANDB_JOB_TYPE → run_job_type). Unknown
// WANDB_* variables are ignored. An empty value, in a file or in the
// environment, means "not set".
//
// The package holds no global mutable state and never reads the process
// environment itself: [Load] and [GlobalPath] take the environment as a
// parameter in the form of os.Environ.
package settings
