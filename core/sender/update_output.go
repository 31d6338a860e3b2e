package sender

// OutputUpdate appends console lines to output.log, already formatted
// ("[ERROR ]2006-01-02T15:04:05.000000 text" or structured JSON). Rewriting
// earlier lines (terminal emulation of "\r") is not supported yet: every
// line is appended.
type OutputUpdate struct{ Lines []string }

func (u OutputUpdate) apply(p *pending) error { return p.appendLines(kindOutput, u.Lines) }
