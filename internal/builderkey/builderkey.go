// Package builderkey computes the fingerprint that names a Haskell project's `builder` image:
// a hash of exactly what decides its compiled dependencies. Those are the dependency files
// (stack.yaml, stack.yaml.lock, package.yaml, *.cabal, cabal.project*) after normalisation,
// the local path dependencies they name, the resolver / GHC version and the builder-base
// image reference. The package's own version, comments, blank lines and formatting are left
// out, so a release reuses the builder while a new or changed dependency does not.
package builderkey

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Len is the number of hex digits of a key.
const Len = 12

// Input is one thing the key depends on, with its hash (of the normalised content).
type Input struct {
	Name string `json:"name"`
	Hash string `json:"sha256"`
	// Note says what the input is when the name does not (the resolver's value, a local
	// dependency's kind).
	Note string `json:"note,omitempty"`
}

// Key is a builder key and the inputs it was computed from, sorted by name.
type Key struct {
	Key    string  `json:"key"`
	Inputs []Input `json:"inputs"`
}

// Compute returns the builder key of the project in dir for the builder-base image base.
// Every problem found (unreadable or malformed files, missing local dependencies) is
// reported at once.
func Compute(dir, base string) (*Key, error) {
	c := &computer{root: dir, seen: map[string]bool{}}
	if strings.TrimSpace(base) == "" {
		c.fail("no builder-base reference: name the image the builder is built FROM (--base, e.g. registry.example.com/group/app/builder-base:9.0.2-1)")
	}
	c.add(Input{Name: "builder-base", Hash: sum([]byte(base)), Note: base})
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		c.fail("%s is not a directory: pass the project's directory (--dir)", dir)
	} else if !c.project(".", true) {
		c.errs = append(c.errs, fmt.Errorf("%s: no stack.yaml, package.yaml, *.cabal or cabal.project: run glcd builder-key in the project's directory (or pass --dir)", dir))
	}
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	if c.resolver != "" {
		c.add(Input{Name: "resolver", Hash: sum([]byte(c.resolver)), Note: c.resolver})
	}
	slices.SortFunc(c.inputs, func(a, b Input) int { return strings.Compare(a.Name, b.Name) })
	h := sha256.New()
	for _, in := range c.inputs {
		fmt.Fprintf(h, "%s\t%s\n", in.Name, in.Hash)
	}
	return &Key{Key: hex.EncodeToString(h.Sum(nil))[:Len], Inputs: c.inputs}, nil
}

type computer struct {
	root     string
	inputs   []Input
	errs     []error
	resolver string
	seen     map[string]bool // project directories already read
}

func (c *computer) add(in Input) { c.inputs = append(c.inputs, in) }

func (c *computer) fail(format string, a ...any) { c.errs = append(c.errs, fmt.Errorf(format, a...)) }

// project reads the dependency files of the package or project in rel (relative to the
// root, slash-separated); top says it is the root, whose stack.yaml and cabal.project name
// further packages. It reports whether any dependency file was found.
func (c *computer) project(rel string, top bool) bool {
	rel = path.Clean(rel)
	if c.seen[rel] {
		return true
	}
	c.seen[rel] = true
	found := false
	if top {
		if b, ok := c.read(rel, "stack.yaml"); ok {
			found = true
			c.stackYAML(rel, b)
		}
		if b, ok := c.read(rel, "stack.yaml.lock"); ok {
			found = true
			c.yamlInput(path.Join(rel, "stack.yaml.lock"), b, nil)
		}
		matches, _ := filepath.Glob(filepath.Join(c.root, filepath.FromSlash(rel), "cabal.project*"))
		for _, m := range matches {
			name := path.Join(rel, filepath.Base(m))
			if strings.HasSuffix(name, "~") || strings.HasSuffix(name, ".swp") {
				continue
			}
			b, ok := c.read(rel, filepath.Base(m))
			if !ok {
				continue
			}
			found = true
			c.cabalProject(rel, name, b)
		}
	}
	if b, ok := c.read(rel, "package.yaml"); ok {
		found = true
		c.yamlInput(path.Join(rel, "package.yaml"), b, []string{"version"})
	}
	cabals, _ := filepath.Glob(filepath.Join(c.root, filepath.FromSlash(rel), "*.cabal"))
	for _, m := range cabals {
		if b, ok := c.read(rel, filepath.Base(m)); ok {
			found = true
			c.add(Input{Name: path.Join(rel, filepath.Base(m)), Hash: sum(normaliseCabal(b))})
		}
	}
	return found
}

// read reads rel/name; a missing file is not an error.
func (c *computer) read(rel, name string) ([]byte, bool) {
	b, err := os.ReadFile(filepath.Join(c.root, filepath.FromSlash(rel), name))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			c.fail("%s: %w", path.Join(rel, name), err)
		}
		return nil, false
	}
	return b, true
}

// yamlInput adds a YAML file's canonical form (its data as JSON, keys sorted: no comments,
// blank lines or formatting) without the top-level keys drop.
func (c *computer) yamlInput(name string, b []byte, drop []string) map[string]any {
	var doc any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		c.fail("%s: %w", name, err)
		return nil
	}
	m, _ := doc.(map[string]any)
	if doc != nil && m == nil {
		c.fail("%s: want a YAML mapping at the top", name)
		return nil
	}
	for _, k := range drop {
		delete(m, k)
	}
	canon, err := json.Marshal(doc)
	if err != nil {
		c.fail("%s: %w", name, err)
		return nil
	}
	c.add(Input{Name: name, Hash: sum(canon)})
	return m
}

// stackYAML adds stack.yaml, takes its resolver and compiler, and follows the local packages
// and local extra-deps it names.
func (c *computer) stackYAML(rel string, b []byte) {
	name := path.Join(rel, "stack.yaml")
	m := c.yamlInput(name, b, nil)
	if m == nil {
		return
	}
	for _, k := range []string{"resolver", "snapshot", "compiler"} {
		if v, ok := m[k].(string); ok && v != "" {
			c.resolver = strings.TrimPrefix(c.resolver+" "+k+"="+v, " ")
		}
	}
	if pkgs, ok := m["packages"].([]any); ok {
		for _, p := range pkgs {
			if s, ok := p.(string); ok {
				c.localPackage(name, rel, s)
			}
		}
	}
	if deps, ok := m["extra-deps"].([]any); ok {
		for _, d := range deps {
			if s, ok := d.(string); ok && isLocalPath(s) {
				c.localDependency(name, rel, s)
			}
		}
	}
}

// isLocalPath says an extra-deps entry is a directory, not a package-version or archive.
func isLocalPath(s string) bool {
	return strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") || strings.HasPrefix(s, "/") || s == "."
}

// localPackage follows a project package (built by the app, not the builder): its
// dependency files count, its source does not.
func (c *computer) localPackage(from, rel, p string) {
	dir := path.Join(rel, p)
	if strings.HasPrefix(dir, "../") || path.IsAbs(p) {
		c.fail("%s: package %q is outside the project: the builder only sees the project's directory", from, p)
		return
	}
	if !c.project(dir, false) {
		c.fail("%s: package %q: no package.yaml or *.cabal in %s", from, p, dir)
	}
}

// localDependency follows a local extra dependency: the builder compiles it, so every file
// of it counts (build output directories aside).
func (c *computer) localDependency(from, rel, p string) {
	dir := path.Join(rel, p)
	if strings.HasPrefix(dir, "../") || path.IsAbs(p) || dir == "." {
		c.fail("%s: extra-dep %q is outside the project: the builder only sees the project's directory", from, p)
		return
	}
	h, n, err := hashTree(filepath.Join(c.root, filepath.FromSlash(dir)))
	if err != nil {
		c.fail("%s: extra-dep %q: %w", from, p, err)
		return
	}
	c.add(Input{Name: dir + "/", Hash: h, Note: fmt.Sprintf("local dependency, %d files", n)})
}

// skipDirs are build outputs and VCS data, never part of a dependency's source.
var skipDirs = []string{".git", ".stack-work", "dist", "dist-newstyle"}

// hashTree hashes every regular file's path and content under dir, in a fixed order.
func hashTree(dir string) (string, int, error) {
	h := sha256.New()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && slices.Contains(skipDirs, d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(h, "%s\t%s\n", filepath.ToSlash(rel), sum(b))
		n++
		return nil
	})
	if err != nil {
		return "", 0, err
	}
	if n == 0 {
		return "", 0, fmt.Errorf("%s holds no files", dir)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// cabalProject adds a cabal.project file (comments and blank lines left out) and follows
// the local packages its packages: field names.
func (c *computer) cabalProject(rel, name string, b []byte) {
	norm := normaliseCabal(b)
	c.add(Input{Name: name, Hash: sum(norm)})
	for _, v := range fieldValues(norm, "packages", "optional-packages") {
		for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			if strings.Contains(p, "://") || strings.HasSuffix(p, ".tar.gz") {
				continue // remote tarballs are named, and hashed, by the file itself
			}
			if strings.ContainsAny(p, "*?[") {
				dirs, _ := filepath.Glob(filepath.Join(c.root, filepath.FromSlash(rel), filepath.FromSlash(strings.TrimSuffix(p, "/"))))
				for _, d := range dirs {
					r, _ := filepath.Rel(c.root, d)
					c.localPackage(name, ".", filepath.ToSlash(r))
				}
				continue
			}
			c.localPackage(name, rel, strings.TrimSuffix(p, "/"))
		}
	}
	if w := fieldValues(norm, "with-compiler"); len(w) > 0 {
		c.resolver = strings.TrimPrefix(c.resolver+" with-compiler="+w[0], " ")
	}
}

var (
	cabalComment = regexp.MustCompile(`^\s*--`)
	cabalVersion = regexp.MustCompile(`(?i)^version\s*:`)
	cabalField   = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9-]*)\s*:(.*)$`)
)

// normaliseCabal drops comment lines, blank lines, trailing blanks and the package's own
// top-level version: field (with its continuation lines) from a .cabal or cabal.project file.
func normaliseCabal(b []byte) []byte {
	var out bytes.Buffer
	inVersion := false
	for _, line := range strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n") {
		line = strings.TrimRight(line, " \t")
		if line == "" || cabalComment.MatchString(line) {
			continue
		}
		indented := line[0] == ' ' || line[0] == '\t'
		if !indented {
			inVersion = cabalVersion.MatchString(line)
		}
		if inVersion {
			continue
		}
		out.WriteString(line)
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// fieldValues returns the values of the top-level fields names in a normalised cabal file,
// continuation lines joined.
func fieldValues(norm []byte, names ...string) []string {
	var out []string
	cur := -1
	for _, line := range strings.Split(string(norm), "\n") {
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if cur >= 0 {
				out[cur] += " " + strings.TrimSpace(line)
			}
			continue
		}
		cur = -1
		if m := cabalField.FindStringSubmatch(line); m != nil && slices.Contains(names, strings.ToLower(m[1])) {
			out = append(out, strings.TrimSpace(m[2]))
			cur = len(out) - 1
		}
	}
	return out
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
