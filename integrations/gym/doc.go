// Package gym records videos of gym-style environments into W&B runs: the
// Go side of W&B's monitor_gym (wandb-behaviour.md §9.2) and of
// gymnasium's RecordVideo wrapper.
//
// Env is a small gym-style environment interface (Reset with a seed, Step,
// Render to an image, the action and observation spaces), generic in what
// the environment observes and what an agent does; package
// integrations/gym/cartpole is a real one. RecordVideo wraps an Env: on
// the episodes its schedule picks (by default gymnasium's capped cubic one:
// episodes 0, 1, 8, 27, …, 729, 1000, 2000, …; EveryNEpisodes for a fixed
// period) it renders a frame after Reset and after every Step, up to
// MaxFrames, and when the episode ends logs them as a W&B video:
//
//	{"video.<N>": {"_type": "video-file", "path": "media/videos/video.<N>_<step>_<hash>.gif",
//	               "sha256": …, "size": …, "width": …, "height": …}}
//
// in its own committed row, as W&B's monitor_gym does with run.log. N is
// the episode's index (0 for the episode the first Reset starts); Key puts
// every video under one key instead, such as KeyVideos ("videos"), W&B's
// key for recorders whose file names carry no video number. GIF is the
// default, encoded in Go; Format("mp4") (or webm, ogg) encodes through
// ffmpeg, which must be installed: RecordVideo checks and names it when it
// is missing.
//
// # monitor_gym
//
// W&B's Python client patches gym's video recorder so that every recorded
// file is logged. Go has no recorder to patch, so one call stands in for
// the patch: Wrap(env, run) returns the recording wrapper when the run was
// started with wandb.WithMonitorGym(true) (or monitor_gym in its settings)
// and env unchanged otherwise, so the same program records or not by the
// run's settings alone.
//
// # Where the work happens
//
// Steps that record nothing pay one branch. A recorded step pays for
// Render and one copy of the frame's pixels; nothing is encoded on the
// step path. When the episode ends the frames go one of two ways:
//
//   - In-process (the default): the frames are handed, without another
//     copy, to run.Log as a media value; the run converts and encodes them
//     into a wandb.Video on its writer goroutine, at the step the row
//     commits at, like every other medium. Encoding costs far more than
//     recording (a few hundred µs against a few µs a frame, see
//     docs/BENCHMARKS.md), so at most MaxPending videos wait for it: an
//     episode the schedule picks while that many wait is not recorded
//     (Recorder.Skipped), rather than training waiting or memory growing.
//   - Through the plugin hub (ViaPlugin): every frame is sent with
//     run.Observe as an Observation of kind frame, and the end of the video
//     as a scalar observation; the gym plugin (NewPlugin, in-process with
//     wandb.WithInProcessPlugin or as the binary wandb-plugin-gym built
//     from cmd/wandb-plugin-gym with wandb.WithPlugins("gym")) collects
//     them, encodes the video in its own process and emits the history row
//     and the file. The run must have the gym plugin: the root package has
//     no way to ask a run which plugins it runs, so RecordVideo cannot
//     check, and without the plugin the frames are dropped by run.Observe.
//
// Errors while recording (a failed Render, a run that is already
// finished) never fail Step or Reset: the episode's video is cut short or
// dropped and the errors are returned by Close.
package gym
