package server

import "github.com/gowandb/wandb/core/server/gql"

// registerArtifacts registers the artifact operations (schema/artifacts.graphql).
func (s *Server) registerArtifacts(e *gql.Executor) {}
