// Package runconfig holds a run's config: the tree of hyperparameters and
// run metadata that W&B shows in the "Config" tab and that is uploaded as
// config.yaml.
//
// It implements the W&B model (reference §2, Python wandb/sdk/wandb_config.py
// and core/internal/runconfig/runconfig.go):
//
//   - A [Config] is a path tree. A map value becomes a subtree and later
//     updates merge into it leaf by leaf, as wandb-core applies nested
//     ConfigRecord items.
//   - Top-level keys are sanitised like argparse flags (leading and trailing
//     '-' stripped). Keys starting with "_" (notably the reserved "_wandb")
//     are stored but hidden from [Config.Keys], like the Python Config.
//   - The change rule: once a value is set, changing it to a different value
//     fails with a [*ValueChangeError] unless allow_val_change is passed. An
//     update that fails is not applied at all.
//   - Values are normalised by [Normalize] into a JSON-friendly tree (nil,
//     bool, int64, float64, string, []any, map[string]any), the Go
//     counterpart of W&B's json_friendly_val. Media objects are rejected, as
//     W&B rejects them with a TypeError.
//
// The sources W&B accepts for wandb.init(config=...) have Go counterparts:
// structs ([FromStruct]), flag sets ([FromFlagSet], the argparse analogue),
// YAML files ([FromYAMLFile]), the auto-loaded config-defaults.yaml
// ([LoadDefaults]) and the config_include_keys/config_exclude_keys filters
// ([Filter]).
//
// [WriteYAML] writes config.yaml in wandb-core's format (every
// top-level key wrapped as {value: ...}, keys sorted, 4-space indent, no
// header); [ReadYAML] reads that form, the legacy Python form with
// "wandb_version: 1" and "desc:", and plain "key: value" YAML.
//
// Every error returned by this package starts with "runconfig: ".
package runconfig
