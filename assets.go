// Package glcd holds the files glcd embeds: what `glcd init` writes into a project, so that one
// copy is both the documented example and the scaffold (the app and infra pipelines and the
// infra manifest of examples/, with their components or their jobs written out, and
// Dockerfile.builder), and glcd's CI/CD catalog components.
package glcd

import "embed"

// Scaffolds are the files glcd init renders, at their paths in this repository.
//
//go:embed Dockerfile.builder examples/app/.gitlab-ci.yml examples/infra/.gitlab-ci.yml examples/app/plain/.gitlab-ci.yml examples/infra/plain/.gitlab-ci.yml
//go:embed examples/infra/kubernetes/jobboard.yaml
var Scaffolds embed.FS

// CatalogProject is the GitLab project of glcd's CI/CD catalog: this repository, whose
// templates/ are its components (include: component: gitlab.com/glcd/glcd/deploy@VERSION).
const CatalogProject = "glcd/glcd"

// Catalog is templates/: glcd's components, which glcd local and glcd doctor read when a
// pipeline includes them (the copy of the binary's version, whatever the @VERSION).
//
//go:embed templates/*.yml
var Catalog embed.FS
