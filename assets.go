// Package glcd holds the files `glcd init` writes into a project, embedded in the binary so
// that one copy is both the documented example and the scaffold: the app and infra pipelines
// and the infra manifest of examples/, and Dockerfile.builder.
package glcd

import "embed"

// Scaffolds are the files glcd init renders, at their paths in this repository.
//
//go:embed Dockerfile.builder examples/app/.gitlab-ci.yml examples/infra/.gitlab-ci.yml examples/infra/kubernetes/jobboard.yaml
var Scaffolds embed.FS
