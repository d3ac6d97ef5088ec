package server

import "syscall"

// readable reports whether the socket fd has data (or an end or error)
// to read, without consuming it.
func readable(fd uintptr) (bool, error) {
	var b [1]byte
	n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	switch {
	case err == syscall.EAGAIN || err == syscall.EINTR:
		return false, nil
	case err != nil:
		return true, nil // let the real read report it
	default:
		_ = n // 0 is the end of the stream: readable too
		return true, nil
	}
}
