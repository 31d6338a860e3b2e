// Package sender is gowandb's W&B wire client: the pieces wandb-core uses to
// talk to a W&B server (api.wandb.ai or self-hosted), written against the
// facts in the shared W&B behaviour reference (§1.6, §1.8, §7).
//
//   - [Client] is a small GraphQL client with the run-path operations as
//     typed functions: [Client.Viewer], [Client.ServerFeatures],
//     [Client.UpsertBucket], [Client.RunResumeStatus],
//     [Client.CreateRunFiles] and [Client.StopRun].
//   - [FileStream] batches history, summary, events, console output,
//     "uploaded" notices, preemption and the final exit code into
//     file_stream requests: at most one in flight, at most one per transmit
//     interval (15 s), at once when a request reaches ~10 MiB or carries
//     preempting/complete, a heartbeat "{}" after 30 s idle. Its queue is
//     bounded: when full, [FileStream.Push] returns [ErrQueueFull] and the
//     caller re-reads later from the run log, which stays the source of
//     truth (a dead stream loses nothing that `sync` cannot resend).
//   - [Uploader] PUTs run files to the server-provided upload URLs, with the
//     server's headers and never with credentials.
//   - [NewAuthTransport] adds "Authorization: Basic base64(api:KEY)" only to
//     requests under the base URL (scheme, host, port and path prefix).
//   - [Retrier] carries W&B's retry policies ([RetryMostFailures],
//     [RetryUpsertBucket]), exponential backoff with jitter, Retry-After and
//     a retry budget; its clock and sleeper are injectable.
//
// Package sendertest holds a fake W&B server for tests.
package sender
