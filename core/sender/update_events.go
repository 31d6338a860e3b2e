package sender

// EventsUpdate appends system-metrics lines to wandb-events.jsonl
// ({"_wandb": true, "_timestamp": ..., "_runtime": ..., "system.x": v}).
type EventsUpdate struct{ Lines []string }

func (u EventsUpdate) apply(p *pending) error { return p.appendLines(kindEvents, u.Lines) }
