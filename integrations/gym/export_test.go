package gym

// SetLookPath replaces how ffmpeg is found, until restore is called.
func SetLookPath(f func(string) (string, error)) (restore func()) {
	saved := lookPath
	lookPath = f
	return func() { lookPath = saved }
}

// ParseEnd and EndKey expose the plugin wire format to the tests.
var (
	ParseEnd = parseEnd
	EndKey   = endKey
	FrameKey = frameKey
)

// Pending is the number of videos handed to the run and not yet encoded.
func (r *Recorder[O, A]) Pending() int { return int(r.pending.Load()) }

// SetPending pretends n videos are waiting to be encoded.
func (r *Recorder[O, A]) SetPending(n int) { r.pending.Store(int32(n)) }
