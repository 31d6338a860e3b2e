// Package magic is auto-logging where Go allows it without code changes:
// flags into the config, integrations enabled from the environment, code
// and git state captured. Init's WithMagic option is read here. See
// docs/ARCHITECTURE.md.
package magic
