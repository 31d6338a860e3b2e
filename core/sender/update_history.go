package sender

// HistoryUpdate appends history rows: JSON lines for wandb-history.jsonl
// (runlog.Row rendered by the caller). Lines over MaxLineBytes are dropped
// with a warning.
type HistoryUpdate struct{ Lines []string }

func (u HistoryUpdate) apply(p *pending) error { return p.appendLines(kindHistory, u.Lines) }
