package sender

// The final request, "complete": true with "exitcode", is sent by
// FileStream.Finish, which sets it on the pending request once everything
// else is queued; it is not a public Update so that nothing can follow it.

// exitUpdate sets complete and the exit code.
type exitUpdate struct{ code int }

func (u exitUpdate) apply(p *pending) error {
	c := u.code
	p.complete, p.exitCode = true, &c
	return nil
}
