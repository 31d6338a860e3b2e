package console

import "syscall"

// dup2 makes newfd refer to oldfd's file (not close-on-exec).
func dup2(oldfd, newfd int) error {
	for {
		err := syscall.Dup2(oldfd, newfd)
		if err != syscall.EINTR {
			return err
		}
	}
}

// pipe returns a close-on-exec pipe, both ends blocking. ForkLock keeps a
// concurrent fork from inheriting the ends before they are marked.
func pipe() (r, w int, err error) {
	var p [2]int
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	if err := syscall.Pipe(p[:]); err != nil {
		return -1, -1, err
	}
	syscall.CloseOnExec(p[0])
	syscall.CloseOnExec(p[1])
	return p[0], p[1], nil
}

// dupCloexec duplicates fd with close-on-exec set.
func dupCloexec(fd int) (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	r, err := syscall.Dup(fd)
	if err != nil {
		return -1, err
	}
	syscall.CloseOnExec(r)
	return r, nil
}
