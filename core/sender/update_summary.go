package sender

// SummaryUpdate replaces the run summary (a full JSON object); only the
// latest is sent, as the single line of wandb-summary.json.
type SummaryUpdate struct{ JSON string }

func (u SummaryUpdate) apply(p *pending) error {
	if len(u.JSON) > p.maxLine {
		p.warnf("sender: dropping a %s line of %d bytes (limit %d)", SummaryFile, len(u.JSON), p.maxLine)
		return nil
	}
	s := u.JSON
	p.summary = &s
	return nil
}
