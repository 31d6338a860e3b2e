package wandb

import "github.com/gowandb/wandb/core/query"

// ArtifactLineage is an artifact version read through [API.Artifact], with
// the run that logged it and the runs that used it (W&B's
// artifact.logged_by() and artifact.used_by()):
//
//	api, _ := wandb.NewAPI()
//	a, err := api.Artifact(ctx, "alice/mnist/dataset:latest")
//	fmt.Println(a.QualifiedName(), a.LoggedBy, a.UsedBy)
type ArtifactLineage = query.Artifact

// ArtifactRun names a run in an artifact's lineage.
type ArtifactRun = query.ArtifactRun
