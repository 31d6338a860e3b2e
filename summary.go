package wandb

import "github.com/gowandb/wandb/core/runstate"

// Summary holds one value per key that sums up the run: by default the last
// value logged for each key. A key set through Summary keeps that value:
// later Log calls no longer update it (W&B's rule). DefineMetric can make a
// key's summary its min, max, mean, first or last value. A nil *Summary
// returns ErrNotInitialized.
type Summary struct {
	run  *Run
	view *runstate.SummaryView
}

// Set sets a key explicitly.
func (s *Summary) Set(key string, value any) error {
	if err := s.check(); err != nil {
		return err
	}
	return wrap("summary", s.view.Set(key, value))
}

// Update sets several keys explicitly.
func (s *Summary) Update(values map[string]any) error {
	if err := s.check(); err != nil {
		return err
	}
	return wrap("summary", s.view.Update(values))
}

// Delete removes a key.
func (s *Summary) Delete(key string) error {
	if err := s.check(); err != nil {
		return err
	}
	return wrap("summary", s.view.Delete(key))
}

// Get returns a key's summary value.
func (s *Summary) Get(key string) (any, bool) {
	if s == nil {
		return nil, false
	}
	return s.view.Get(key)
}

// Keys returns the summary's top-level keys, sorted.
func (s *Summary) Keys() []string {
	if s == nil {
		return nil
	}
	return s.view.Keys()
}

// Map returns the whole summary as a nested map.
func (s *Summary) Map() map[string]any {
	if s == nil {
		return nil
	}
	return s.view.Map()
}

// JSON returns the summary as wandb-summary.json holds it.
func (s *Summary) JSON() []byte {
	if s == nil {
		return []byte("{}")
	}
	return s.view.JSON()
}

func (s *Summary) check() error {
	if s == nil {
		return ErrNotInitialized
	}
	return s.run.check()
}
