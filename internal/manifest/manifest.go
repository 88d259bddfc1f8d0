// Package manifest changes the tag or digest of a container image in YAML manifests without
// touching any other byte.
//
// It finds an image in three places: the containers, initContainers and ephemeralContainers
// of Pod templates (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController,
// Job, CronJob, Pod, PodTemplate, and such objects inside a List); the images: entries of a
// kustomization (newTag, digest, matched on name or newName); and any scalar marked by a
// comment "# glcd:image <repository>" on its line or just above it (Helm values files).
//
// yaml.v3 locates the scalars; the new text is spliced into the original bytes, so comments,
// blank lines, quoting, flow style, anchors, separators, CRLF and a missing final newline stay
// as they were. Repositories are compared after distribution/reference normalisation, so
// "app" in a manifest is "docker.io/library/app".
package manifest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"

	"gitlab.com/glcd/glcd/internal/exitcode"
)

// Change names an image repository and what to set on every use of it.
type Change struct {
	// Repository without tag or digest, as a manifest or IMAGE_NAME writes it:
	// registry.gitlab.com/group/app, registry.local:5000/app, app (= docker.io/library/app).
	Repository string
	// Tag to set; empty keeps each use's tag.
	Tag string
	// Digest to set ("sha256:…"); empty keeps each use's digest. An image pinned by digest
	// cannot take a new tag alone: the old digest would still decide what runs.
	Digest string
}

// Kind says what kind of place uses an image.
type Kind string

// The places an image is found.
const (
	KindContainer Kind = "container" // the image: of a container in a Pod template
	KindKustomize Kind = "kustomize" // an images: entry of a kustomization
	KindMarker    Kind = "marker"    // a value marked by # glcd:image <repository>
)

// Site is where an image is used.
type Site struct {
	File       string // path, set by SetImageFiles; empty for a single stream
	Line       int    // 1-based line in the stream
	Document   int    // 1-based index of the YAML document in the stream
	Kind       Kind
	ObjectKind string // the document's (or List item's) kind: Deployment, Kustomization; may be empty
	ObjectName string // its metadata.name; may be empty
	Container  string // the container's name, for KindContainer
	Path       string // the value's path in its document: spec.template.spec.containers[0].image
}

// String says where the site is: "app.yaml:12: Deployment/web, container "web" (spec.…image)".
func (s Site) String() string {
	var b strings.Builder
	if s.File != "" {
		fmt.Fprintf(&b, "%s:%d:", s.File, s.Line)
	} else {
		fmt.Fprintf(&b, "line %d:", s.Line)
	}
	if s.ObjectKind != "" || s.ObjectName != "" {
		b.WriteString(" " + s.ObjectKind)
		if s.ObjectName != "" {
			b.WriteString("/" + s.ObjectName)
		}
		b.WriteString(",")
	}
	switch s.Kind {
	case KindContainer:
		fmt.Fprintf(&b, " container %q", s.Container)
	case KindKustomize:
		b.WriteString(" kustomize image")
	case KindMarker:
		b.WriteString(" marked value")
	}
	if s.Path != "" {
		fmt.Fprintf(&b, " (%s)", s.Path)
	}
	return b.String()
}

// Image is one use of an image found in a stream.
type Image struct {
	Site
	// Value is the scalar as written: an image reference, or for a marked value or a
	// kustomization entry possibly a bare tag or digest.
	Value string
	// Reference is the image the site stands for, name as written: registry/app:1.3.0.
	Reference string
	// Repository is the normalised repository (docker.io/library/app), or "" when the value
	// is not an image reference (a template such as ${IMAGE}).
	Repository string
}

// Edit is one change of bytes made in a stream.
type Edit struct {
	Site       // Line is where the edit applies; an inserted line goes after it
	Offset int // byte offset of Old in the original stream
	// Old are the bytes replaced: a tag, a digest, a ":tag@digest" suffix of a reference, or
	// "" for an insertion (a tag added to a reference, a newTag: line in a kustomization).
	Old string
	New string // the bytes put in their place
}

// NotFoundError says the repository is used nowhere; Images lists what is used instead.
type NotFoundError struct {
	Repository string // as normalised: docker.io/library/app
	Images     []Image
}

func (e *NotFoundError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "image repository %s appears nowhere", e.Repository)
	if len(e.Images) == 0 {
		b.WriteString(": no image appears at all (looked at the containers of workloads, " +
			"kustomization images: entries, and values marked with # glcd:image <repository>)")
		return b.String()
	}
	b.WriteString("; the images that appear are:")
	for _, img := range e.Images {
		fmt.Fprintf(&b, "\n  %s: %s", img.Site, img.Reference)
		switch {
		case img.Reference == "":
			fmt.Fprintf(&b, "%q (not an image reference)", img.Value)
		case img.Repository != "" && !strings.HasPrefix(img.Reference, img.Repository):
			fmt.Fprintf(&b, " (repository %s)", img.Repository)
		}
	}
	return b.String()
}

// Problem is one place where an image cannot be changed in place.
type Problem struct {
	Site
	Reason string
}

// ProblemsError lists every place that stops the change, so all can be fixed at once.
type ProblemsError struct {
	Problems []Problem
}

func (e *ProblemsError) Error() string {
	var b strings.Builder
	b.WriteString("cannot change the image in place:")
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  %s: %s", p.Site, p.Reason)
	}
	return b.String()
}

// errEditDidNotHold means the spliced text did not read back as intended: a bug, never the
// user's fault; the output is withheld.
var errEditDidNotHold = errors.New("internal error: the edited text does not read back as intended (please report this with the manifest)")

// change is a validated Change.
type change struct {
	repo   string // normalised
	tag    string
	digest string
}

func (c Change) validate() (change, error) {
	var probs []string
	named, err := reference.ParseNormalizedNamed(c.Repository)
	switch {
	case c.Repository == "":
		probs = append(probs, "no repository given (want registry.gitlab.com/group/app)")
	case err != nil:
		probs = append(probs, fmt.Sprintf("repository %q: %v", c.Repository, err))
	case !reference.IsNameOnly(named):
		probs = append(probs, fmt.Sprintf("repository %q has a tag or digest: give the repository alone (%s) "+
			"and the tag or digest separately", c.Repository, reference.FamiliarName(named)))
	}
	if c.Tag == "" && c.Digest == "" {
		probs = append(probs, "neither a tag nor a digest given: nothing to set")
	}
	if c.Tag != "" && !isTag(c.Tag) {
		probs = append(probs, fmt.Sprintf("tag %q is not a valid image tag (letters, digits, _ . -, "+
			"not starting with . or -, at most 128 characters)", c.Tag))
	}
	if c.Digest != "" && !isDigest(c.Digest) {
		probs = append(probs, fmt.Sprintf("digest %q is not a valid digest (want sha256: and 64 hex digits)", c.Digest))
	}
	if len(probs) > 0 {
		return change{}, exitcode.UsageError(fmt.Errorf("image change: %s", strings.Join(probs, "; ")))
	}
	return change{repo: named.Name(), tag: c.Tag, digest: c.Digest}, nil
}

// isTag says whether s is a valid image tag.
func isTag(s string) bool {
	_, err := reference.WithTag(placeholderName(), s)
	return err == nil
}

// isDigest says whether s is a valid, supported digest.
func isDigest(s string) bool {
	d, err := digest.Parse(s)
	if err != nil {
		return false
	}
	_, err = reference.WithDigest(placeholderName(), d)
	return err == nil
}

// placeholderName is a valid name to try tags and digests on.
func placeholderName() reference.Named {
	n, err := reference.WithName("x")
	if err != nil {
		panic(err) // "x" is a valid name
	}
	return n
}
