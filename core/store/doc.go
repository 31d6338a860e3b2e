// Package store is the storage layer of the tracking server (`wandb server`):
// the domain types it keeps (users, API keys, entities, projects, runs,
// history, files, artifacts) and the small role-split interfaces a backend
// implements.
//
// The model is W&B's server: metadata in a relational database, history
// written for two readers, file contents in a blob store.
//
//   - Raw history rows are kept exactly as the client sent them, one row per
//     file_stream line offset, for export and resume. Appends are idempotent
//     by offset: a line resent at an offset already stored is ignored, a gap
//     is an error (see [OffsetError]).
//   - Every numeric key of those rows is also kept in a per-key columnar
//     form: chunks of up to a fixed number of points (1024 by default) with
//     the first/last step, min, max and last value of the chunk. A sampled
//     query ([History.SampledHistory]) answers buckets that cover whole
//     chunks from those summaries and decodes points only at the edges, so a
//     chart of 10^7 steps never scans every point.
//   - File contents live behind [Blobs] (a local directory by default,
//     package localblob; any S3-compatible bucket with package s3blob); the
//     [Files] table only records their name, size and MD5. Package blobtest
//     is the suite both blob stores pass.
//   - Artifacts ([Artifacts], a separate role) keep collections, versions
//     v0, v1, … with aliases, manifests and lineage; their files are blobs
//     stored once by content.
//
// Implementations: package sqlite (the embedded default, which also keeps
// artifacts) and package postgres (PostgreSQL, for more than one machine).
// Package storetest holds the conformance suite every implementation
// passes (Run, and RunArtifacts for the artifact role); package pgtest
// starts a throwaway PostgreSQL server for the tests.
//
// All errors returned by implementations carry the prefix "store: " and wrap
// one of the sentinels [ErrNotFound], [ErrConflict] or [ErrInvalid] where
// one applies, for use with errors.Is.
package store
