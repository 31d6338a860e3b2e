// Package artifact implements W&B artifacts on the client side: the v1
// manifest and its digest (wandb-behaviour.md §6.2–6.3), artifact names and
// their validation (§6.1, §6.5), building an artifact from files,
// directories and references, the content-addressed cache (§6.6), and
// downloading, checking out and verifying a logged version.
//
// The model is W&B's own (wandb/sdk/artifacts and core/pkg/artifacts): an
// artifact is a manifest of logical paths, each with a content digest (the
// base64 MD5 of the bytes, or a reference's ETag), and the version's
// identity is the MD5 over the sorted path:digest pairs. Tracking servers
// are reached through [Remote], one interface with a GraphQL
// implementation in core/artifact/wire and an in-memory one for tests, so
// the same code runs against W&B or gowandb's own server.
package artifact
