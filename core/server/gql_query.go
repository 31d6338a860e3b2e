package server

import "github.com/gowandb/wandb/core/server/gql"

// registerQuery registers the query API's root fields (schema/query.graphql).
func (s *Server) registerQuery(e *gql.Executor) {}
