package sender

// UploadedUpdate reports run files whose upload finished (paths relative to
// the files directory, with "/"); sent as "uploaded".
type UploadedUpdate struct{ Paths []string }

func (u UploadedUpdate) apply(p *pending) error {
	if err := p.reserve(len(u.Paths)); err != nil {
		return err
	}
	p.uploaded = append(p.uploaded, u.Paths...)
	p.nLines += len(u.Paths)
	return nil
}
