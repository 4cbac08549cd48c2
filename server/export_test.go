package server

import "context"

// MaintainOnce does the work of one round of Maintain, for tests.
func (s *Server) MaintainOnce(ctx context.Context) { s.maintainOnce(ctx) }
