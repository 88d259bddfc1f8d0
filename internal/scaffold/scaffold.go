// Package scaffold writes the starting files of an app repo and of its infra repo (glcd init):
// the pipelines and the manifest of glcd's examples/ and Dockerfile.builder, embedded in the
// binary, with the example's project name and image replaced. It never overwrites a file.
package scaffold

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/distribution/reference"
	"k8s.io/apimachinery/pkg/util/validation"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/manifest"
	"gitlab.com/glcd/glcd/internal/version"
)

// Kind is what glcd init scaffolds.
type Kind string

// The two repos of DESIGN.md §1.
const (
	App   Kind = "app"   // the app repo: its pipeline, Dockerfile.builder, a DEPLOY_VERSION
	Infra Kind = "infra" // the infra repo: its pipeline and kubernetes/<project>.yaml
)

// ExampleProject is the project the examples are written for; Render puts the chosen project
// in its place (whole words: jobboard-infra becomes shop-infra, jobboard-web shop-web).
const ExampleProject = "jobboard"

// DefaultVersion is the DEPLOY_VERSION a Makefile starts at when the project declares none.
const DefaultVersion = "0.1.0"

// The embedded sources (paths in glcd's repository) and where they go in the project.
var sources = map[Kind][][2]string{
	App: {
		{"examples/app/.gitlab-ci.yml", ".gitlab-ci.yml"},
		{"Dockerfile.builder", "Dockerfile.builder"},
	},
	Infra: {
		{"examples/infra/.gitlab-ci.yml", ".gitlab-ci.yml"},
		{"examples/infra/kubernetes/" + ExampleProject + ".yaml", "kubernetes/{project}.yaml"},
	},
}

// Options are glcd init's inputs.
type Options struct {
	Kind Kind
	// Dir is the repository's directory; it is created if missing.
	Dir string
	// Project names the Deployment, its namespace and the container (<project>-web); empty:
	// DefaultProject.
	Project string
	// Image is the infra manifest's first image, REPOSITORY:TAG or REPOSITORY@DIGEST (infra only).
	Image string
	// Version is the app Makefile's DEPLOY_VERSION when it has none; empty: the version the
	// project declares (*.cabal, package.yaml, VERSION), then DefaultVersion (app only).
	Version string
	// PlainJobs writes the pipeline with every job written out instead of including glcd's
	// CI/CD catalog components (for an instance without the catalog).
	PlainJobs bool
}

// DefaultProject is the project a directory stands for: its name, without the -infra suffix
// of an infra repo.
func DefaultProject(kind Kind, dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	name := filepath.Base(abs)
	if kind == Infra {
		name = strings.TrimSuffix(name, "-infra")
	}
	return name
}

// Check lists every problem of o at once (exit code 2).
func (o Options) Check() error {
	var errs []error
	if _, ok := sources[o.Kind]; !ok {
		errs = append(errs, fmt.Errorf("unknown kind %q: want app or infra", o.Kind))
	}
	if o.Dir == "" {
		errs = append(errs, errors.New("no directory: glcd init app|infra DIR"))
	}
	project := o.project()
	if p := validation.IsDNS1123Label(project); len(p) > 0 {
		errs = append(errs, fmt.Errorf("project %q cannot name a Deployment and its namespace: %s; set --project", project, strings.Join(p, "; ")))
	} else if p := validation.IsDNS1123Label(project + "-web"); len(p) > 0 {
		errs = append(errs, fmt.Errorf("project %q is too long for its container name %s-web: at most 59 characters; set --project", project, project))
	}
	switch o.Kind {
	case Infra:
		if o.Image == "" {
			errs = append(errs, errors.New("no --image: the image the manifest starts with, REPOSITORY:TAG (the app's $CI_REGISTRY_IMAGE/"+project+":VERSION)"))
		} else if err := checkImage(o.Image); err != nil {
			errs = append(errs, err)
		}
		if o.Version != "" {
			errs = append(errs, errors.New("--version is for glcd init app (the Makefile's DEPLOY_VERSION)"))
		}
	case App:
		if o.Version != "" && !ci.ValidTag(o.Version) {
			errs = append(errs, fmt.Errorf("--version %q is not an image tag (letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-')", o.Version))
		}
		if o.Image != "" {
			errs = append(errs, errors.New("--image is for glcd init infra (the manifest's image)"))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return exitcode.UsageError(err)
	}
	return nil
}

func checkImage(image string) error {
	ref, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return fmt.Errorf("--image %q: %w", image, err)
	}
	_, tagged := ref.(reference.Tagged)
	_, digested := ref.(reference.Digested)
	if !tagged && !digested {
		return fmt.Errorf("--image %q has no tag: give the version to start with, %s:1.0.0", image, image)
	}
	return nil
}

func (o Options) project() string {
	if o.Project != "" {
		return o.Project
	}
	return DefaultProject(o.Kind, o.Dir)
}

// File is one file of a scaffold, Path relative to the repository.
type File struct {
	Path string
	Data []byte
}

// Render returns the files of o's scaffold from fsys (glcd.Scaffolds), in a fixed order.
func Render(fsys fs.FS, o Options) ([]File, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	project := o.project()
	word := regexp.MustCompile(`\b` + ExampleProject + `\b`)
	var files []File
	for _, s := range sources[o.Kind] {
		if o.PlainJobs && s[1] == ".gitlab-ci.yml" {
			s[0] = path.Join(path.Dir(s[0]), "plain", path.Base(s[0]))
		}
		src, err := fs.ReadFile(fsys, s[0])
		if err != nil {
			return nil, fmt.Errorf("embedded %s: %w", s[0], err)
		}
		data := word.ReplaceAllLiteral(src, []byte(project))
		dest := strings.ReplaceAll(s[1], "{project}", project)
		if strings.HasPrefix(dest, "kubernetes/") {
			if data, err = setImage(data, o.Image); err != nil {
				return nil, fmt.Errorf("%s: %w", dest, err)
			}
		}
		files = append(files, File{Path: dest, Data: data})
	}
	return files, nil
}

// setImage puts image in place of the manifest's one image and reads the result back.
func setImage(src []byte, image string) ([]byte, error) {
	imgs, err := manifest.Images(src)
	if err != nil {
		return nil, err
	}
	if len(imgs) != 1 {
		return nil, fmt.Errorf("the example has %d images, want 1", len(imgs))
	}
	old := []byte("image: " + imgs[0].Value + "\n")
	if bytes.Count(src, old) != 1 {
		return nil, fmt.Errorf("the example's image %s is not written once as a plain value", imgs[0].Value)
	}
	out := bytes.Replace(src, old, []byte("image: "+image+"\n"), 1)
	if imgs, err = manifest.Images(out); err != nil || len(imgs) != 1 || imgs[0].Reference != image {
		return nil, fmt.Errorf("setting the image %s did not read back (%v, %v)", image, imgs, err)
	}
	return out, nil
}

// Result says what Write did, paths relative to the repository.
type Result struct {
	Project string   `json:"project"`
	Written []string `json:"written"`
	// Makefile (app only): "created", "added" or "kept" the DEPLOY_VERSION line, Version its value.
	Makefile string `json:"makefile,omitempty"`
	Version  string `json:"version,omitempty"`
}

// ExistsError lists the scaffold's files that are already there: Write writes nothing then.
type ExistsError struct {
	Dir   string
	Paths []string
}

func (e *ExistsError) Error() string {
	return fmt.Sprintf("%s already has %s: glcd init overwrites nothing; move them aside (or init into an empty directory and merge by hand)",
		e.Dir, strings.Join(e.Paths, ", "))
}

// Write renders o's scaffold into o.Dir. It refuses (an *ExistsError, exit code 2) when any of
// its files exists, and writes nothing then; a failed write removes what it wrote. For an app,
// the Makefile gets a DEPLOY_VERSION line when it has none (a new Makefile when there is none).
func Write(fsys fs.FS, o Options) (*Result, error) {
	files, err := Render(fsys, o)
	if err != nil {
		return nil, err
	}
	res := &Result{Project: o.project()}
	var exist []string
	for _, f := range files {
		if _, err := os.Lstat(filepath.Join(o.Dir, filepath.FromSlash(f.Path))); err == nil {
			exist = append(exist, f.Path)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", f.Path, err)
		}
	}
	if len(exist) > 0 {
		return nil, exitcode.UsageError(&ExistsError{Dir: o.Dir, Paths: exist})
	}
	var mk *makefileEdit
	if o.Kind == App {
		if mk, err = planMakefile(o.Dir, o.Version); err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		if err := create(filepath.Join(o.Dir, filepath.FromSlash(f.Path)), f.Data); err != nil {
			undo(o.Dir, res.Written)
			return nil, err
		}
		res.Written = append(res.Written, f.Path)
	}
	if mk != nil {
		if err := mk.write(); err != nil {
			undo(o.Dir, res.Written)
			return nil, err
		}
		res.Makefile, res.Version = mk.action, mk.version
		if mk.action == "created" {
			res.Written = append(res.Written, "Makefile")
		}
	}
	slices.Sort(res.Written)
	return res, nil
}

func create(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func undo(dir string, written []string) {
	for _, p := range written {
		os.Remove(filepath.Join(dir, filepath.FromSlash(p)))
	}
}

// makefileEdit is the app's Makefile change, planned before any file is written.
type makefileEdit struct {
	path, action, version string
	data                  []byte
	mode                  fs.FileMode
}

const newMakefile = `# The version of the next release: on the default branch glcd autotag tags v$(DEPLOY_VERSION)
# once, and that tag's pipeline publishes and deploys it. Raise it to release.
DEPLOY_VERSION = %s

.PHONY: setup build test
setup:
	stack setup
build:
	stack build
test:
	stack test
`

const versionLine = `# The version of the next release: on the default branch glcd autotag tags v$(DEPLOY_VERSION)
# once, and that tag's pipeline publishes and deploys it. Raise it to release.
DEPLOY_VERSION = %s

`

func planMakefile(dir, want string) (*makefileEdit, error) {
	e := &makefileEdit{path: filepath.Join(dir, "Makefile"), mode: 0o644}
	old, err := os.ReadFile(e.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		e.action = "created"
	case err != nil:
		return nil, fmt.Errorf("read Makefile: %w", err)
	default:
		found, err := version.Detect(dir, version.Options{From: []version.Kind{version.Makefile}})
		if err == nil {
			return &makefileEdit{action: "kept", version: found.Version}, nil
		}
		var none *version.NotFoundError
		if !errors.As(err, &none) {
			return nil, fmt.Errorf("read Makefile's DEPLOY_VERSION: %w", err)
		}
		if st, err := os.Stat(e.path); err == nil {
			e.mode = st.Mode().Perm()
		}
		e.action = "added"
	}
	e.version = want
	if e.version == "" {
		e.version = DefaultVersion
		if found, err := version.Detect(dir, version.Options{From: []version.Kind{version.Cabal, version.PackageYAML, version.File}}); err == nil && ci.ValidTag(found.Version) {
			e.version = found.Version
		}
	}
	if e.action == "created" {
		e.data = fmt.Appendf(nil, newMakefile, e.version)
	} else {
		e.data = append(fmt.Appendf(nil, versionLine, e.version), old...)
	}
	return e, nil
}

// write replaces the Makefile in one rename, so it is never seen half-written.
func (e *makefileEdit) write() error {
	if e.data == nil {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(e.path), ".Makefile-*")
	if err != nil {
		return fmt.Errorf("write Makefile: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(e.data); err != nil {
		tmp.Close()
		return fmt.Errorf("write Makefile: %w", err)
	}
	if err := tmp.Chmod(e.mode); err != nil {
		tmp.Close()
		return fmt.Errorf("write Makefile: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write Makefile: %w", err)
	}
	if err := os.Rename(tmp.Name(), e.path); err != nil {
		return fmt.Errorf("write Makefile: %w", err)
	}
	return nil
}
