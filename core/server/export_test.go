package server

// SetMaxBodyForTest lowers the request body limit, so that tests of the
// 413 answer need not send 64 MiB.
func SetMaxBodyForTest(s *Server, n int64) { s.maxBody = n }
