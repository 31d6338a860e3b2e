// Package host runs gowandb plugins for a run: it finds plugin binaries,
// starts the ones a run asks for, feeds them the run's observations, applies
// what they send back to the run, and keeps a misbehaving plugin from
// harming the run.
//
//   - Discovery. Executables named wandb-plugin-<name> in the directories of
//     WANDB_PLUGIN_PATH (colon-separated), then beside the running program,
//     are plugin binaries; each is asked for its manifest by running it with
//     the argument "describe" (Packer's pattern), which starts no gRPC.
//     The first binary of a name on the path wins, as with $PATH.
//   - Sessions. A Session is the plugins of one run. Start launches a
//     plugin process through hashicorp/go-plugin (gRPC only, its log lines
//     into the Host's hclog logger, nothing on our standard output); Attach
//     runs a plugins.Plugin in-process under the same supervision. Observe
//     queues an observation for every plugin without blocking (a bounded
//     queue per plugin; when it is full the observation is dropped and
//     counted, never the caller delayed). Close flushes and finishes every
//     plugin, then stops its process.
//   - Applying emissions. Emissions go to a RunSink, the small interface
//     the run implements (package wandb does), so that the run engine never
//     imports an integration and this package never imports the run.
//   - Supervision. A plugin whose process dies (crash), whose call outlives
//     the call deadline (hang), or that sends an emission failing
//     plugins.Emission.Validate (garbage) is killed and reported as an
//     error line in the run's log (RunSink.LogLine, which the run also
//     shows as a warning); then, by Policy, it stays disabled or is
//     restarted once. Nothing of the faulty emission is applied, and the
//     run and its other plugins go on.
package host
