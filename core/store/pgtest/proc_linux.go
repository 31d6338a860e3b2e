package pgtest

import "syscall"

// sysProcAttr runs postgres as cred and asks the kernel to stop it (fast
// shutdown) if the test binary dies without calling Stop.
func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGINT}
}
