//go:build !linux

package sysmon

// statfs is Linux-only here: elsewhere the disk usage collector is left out.
func statfs(string) (fsUsage, error) { return fsUsage{}, errUnavailable }
