package sender

// PreemptingUpdate marks the run as preempting; the request goes at once,
// bypassing the transmit interval.
type PreemptingUpdate struct{}

func (PreemptingUpdate) apply(p *pending) error {
	p.preempting = true
	return nil
}
