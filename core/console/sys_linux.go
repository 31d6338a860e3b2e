package console

import "syscall"

// dup2 makes newfd refer to oldfd's file (not close-on-exec). Linux/arm64
// has no dup2 system call; dup3 with no flags is the same.
func dup2(oldfd, newfd int) error {
	for {
		err := syscall.Dup3(oldfd, newfd, 0)
		if err != syscall.EINTR {
			return err
		}
	}
}

// pipe returns a close-on-exec pipe, both ends blocking.
func pipe() (r, w int, err error) {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return -1, -1, err
	}
	return p[0], p[1], nil
}

// dupCloexec duplicates fd with close-on-exec set.
func dupCloexec(fd int) (int, error) {
	for {
		r, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, 0)
		if errno == 0 {
			return int(r), nil
		}
		if errno != syscall.EINTR {
			return -1, errno
		}
	}
}
