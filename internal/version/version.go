// Package version finds a project's version in the files that declare it: a Makefile
// variable (DEPLOY_VERSION by default), the version field of a .cabal file or of hpack's
// package.yaml, a VERSION file, or a file and regular expression of the caller's choosing.
// glcd trigger uses it when TARGET_IMAGE_VERSION is not set, and glcd autotag to name tags.
package version

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
)

// Kind names a place a version can be declared.
type Kind string

// The kinds of sources, in the default order of Detect.
const (
	Makefile    Kind = "makefile"     // a variable in the Makefile (Options.MakefileVar)
	Cabal       Kind = "cabal"        // the top-level version: field of the one *.cabal file
	PackageYAML Kind = "package.yaml" // the top-level version: of hpack's package.yaml
	File        Kind = "file"         // the first line of a VERSION file
	Regex       Kind = "regex"        // Options.Regex: a file and a pattern with one capture group
)

// DefaultOrder is the order Detect tries when Options.From is empty. Regex joins it, last,
// when Options.Regex is set.
var DefaultOrder = []Kind{Makefile, Cabal, PackageYAML, File}

// DefaultMakefileVar is the Makefile variable read when Options.MakefileVar is empty.
const DefaultMakefileVar = "DEPLOY_VERSION"

// Custom is a caller's own place for the version: the first match of Pattern in File.
// Pattern must have exactly one capture group, the version; it is matched in multi-line
// mode, so ^ and $ match at line boundaries.
type Custom struct {
	File    string
	Pattern string
}

// Options tune Detect. The zero value tries DefaultOrder with DEPLOY_VERSION.
type Options struct {
	// From lists the kinds to try, in order; empty means DefaultOrder (plus Regex if set).
	From []Kind
	// MakefileVar is the Makefile variable holding the version (default DEPLOY_VERSION).
	MakefileVar string
	// Regex is a custom source, tried last by default or where From puts Regex.
	Regex *Custom
}

// Found is a version and where it was declared.
type Found struct {
	Version string `json:"version"`
	Kind    Kind   `json:"kind"`
	Source  string `json:"source"` // the file, relative to the directory searched
	Line    int    `json:"line"`   // 1-based line of the declaration
}

// String returns "1.4.0 (Makefile:3)".
func (f Found) String() string { return fmt.Sprintf("%s (%s:%d)", f.Version, f.Source, f.Line) }

// NotFoundError lists every place Detect looked without finding a version.
type NotFoundError struct {
	Dir    string
	Looked []string // one line per source: what was looked for and why it did not count
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no version found in %s; looked at:\n  %s\n"+
		"declare it in one of these, or point glcd at your own file and pattern", e.Dir, strings.Join(e.Looked, "\n  "))
}

// ParseKinds parses a comma-separated list of kinds such as "makefile,cabal".
func ParseKinds(s string) ([]Kind, error) {
	var out []Kind
	for _, part := range strings.Split(s, ",") {
		k := Kind(strings.ToLower(strings.TrimSpace(part)))
		if k == "" {
			continue
		}
		if !slices.Contains(append(slices.Clone(DefaultOrder), Regex), k) {
			return nil, exitcode.UsageError(fmt.Errorf("unknown version source %q: want makefile, cabal, package.yaml, file or regex", part))
		}
		out = append(out, k)
	}
	return out, nil
}

// errNone means a source is absent or does not declare a version: Detect moves on.
type errNone struct{ why string }

func (e errNone) Error() string { return e.why }

func none(format string, a ...any) error { return errNone{fmt.Sprintf(format, a...)} }

// Detect returns the first version declared in dir by the sources of opts, in order.
// A source that is absent is skipped; a source that is present but malformed (a Makefile
// value that is not a literal, several .cabal files, a pattern without one capture group)
// is an error, so that a broken declaration never silently yields another file's version.
// When no source declares a version, the error is a *NotFoundError listing where it looked.
// All errors are usage errors (exit 2).
func Detect(dir string, opts Options) (Found, error) {
	from := opts.From
	if len(from) == 0 {
		from = slices.Clone(DefaultOrder)
		if opts.Regex != nil {
			from = append(from, Regex)
		}
	}
	variable := opts.MakefileVar
	if variable == "" {
		variable = DefaultMakefileVar
	}
	var looked []string
	for _, k := range from {
		var (
			f   Found
			err error
		)
		switch k {
		case Makefile:
			f, err = fromMakefile(dir, variable)
		case Cabal:
			f, err = fromCabal(dir)
		case PackageYAML:
			f, err = fromPackageYAML(dir)
		case File:
			f, err = fromVersionFile(dir)
		case Regex:
			if opts.Regex == nil {
				return Found{}, exitcode.UsageError(errors.New("version source regex needs a file and a pattern"))
			}
			f, err = fromRegex(dir, *opts.Regex)
		default:
			return Found{}, exitcode.UsageError(fmt.Errorf("unknown version source %q", k))
		}
		var n errNone
		if errors.As(err, &n) {
			looked = append(looked, n.why)
			continue
		}
		if err != nil {
			return Found{}, exitcode.UsageError(err)
		}
		f.Kind = k
		if err := checkVersion(f); err != nil {
			return Found{}, exitcode.UsageError(err)
		}
		return f, nil
	}
	return Found{}, exitcode.UsageError(&NotFoundError{Dir: dir, Looked: looked})
}

func checkVersion(f Found) error {
	if f.Version == "" {
		return fmt.Errorf("%s:%d: the version is empty", f.Source, f.Line)
	}
	if strings.ContainsAny(f.Version, " \t\"'`$") {
		return fmt.Errorf("%s:%d: version %q is not a plain version (spaces, quotes or $ are not allowed)", f.Source, f.Line, f.Version)
	}
	return nil
}

// read reads dir/name, turning "does not exist" into errNone.
func read(dir, name, what string) ([]byte, error) {
	b, err := ci.ReadFile(filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, none("%s: no such file (%s)", name, what)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return b, nil
}

// Makefile assignments: [export|override] NAME op value, where op is =, :=, ::=, :::=, ?=, += or !=.
var makeAssign = regexp.MustCompile(`^\s*(?:(?:export|override)\s+)*([^\s:?+!=#]+)\s*(=|:=|::=|:::=|\?=|\+=|!=)\s*(.*)$`)

func fromMakefile(dir, variable string) (Found, error) {
	const name = "Makefile"
	b, err := read(dir, name, variable+" = <version>")
	if err != nil {
		return Found{}, err
	}
	lines := strings.Split(string(b), "\n")
	inDefine := false
	for i, line := range lines {
		line = strings.TrimSuffix(line, "\r")
		if strings.HasPrefix(line, "\t") { // a recipe line belongs to the shell, not to make
			continue
		}
		trimmed := strings.TrimSpace(line)
		if inDefine {
			if trimmed == "endef" {
				inDefine = false
			}
			continue
		}
		if strings.HasPrefix(trimmed, "define ") || strings.HasPrefix(trimmed, "define\t") {
			inDefine = true
			continue
		}
		m := makeAssign.FindStringSubmatch(line)
		if m == nil || m[1] != variable {
			continue
		}
		at := fmt.Sprintf("%s:%d", name, i+1)
		op, value := m[2], stripMakeComment(m[3])
		switch op {
		case "!=":
			return Found{}, fmt.Errorf("%s: %s is set from a shell command (!=); glcd reads only literal versions", at, variable)
		case "+=":
			return Found{}, fmt.Errorf("%s: %s is appended to (+=) before it is defined", at, variable)
		}
		if strings.HasSuffix(value, `\`) {
			return Found{}, fmt.Errorf("%s: %s continues on the next line; write the version on one line", at, variable)
		}
		if strings.Contains(value, "$") {
			return Found{}, fmt.Errorf("%s: %s = %s refers to other variables or functions; glcd reads only literal versions", at, variable, value)
		}
		return Found{Version: unquote(value), Source: name, Line: i + 1}, nil
	}
	return Found{}, none("%s: no definition of %s", name, variable)
}

// stripMakeComment removes a trailing # comment (make has no escape for # but \#) and space.
func stripMakeComment(v string) string {
	for i := 0; i < len(v); i++ {
		if v[i] == '#' && (i == 0 || v[i-1] != '\\') {
			v = v[:i]
			break
		}
	}
	return strings.TrimSpace(v)
}

// unquote removes one pair of matching quotes, which the shell of a recipe would remove too.
func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

func fromCabal(dir string) (Found, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*.cabal"))
	if err != nil {
		return Found{}, fmt.Errorf("list *.cabal: %w", err)
	}
	switch len(matches) {
	case 0:
		return Found{}, none("*.cabal: no such file (version: <version>)")
	case 1:
	default:
		var names []string
		for _, m := range matches {
			names = append(names, filepath.Base(m))
		}
		return Found{}, fmt.Errorf("several .cabal files (%s): say which file holds the version with a custom file and pattern", strings.Join(names, ", "))
	}
	name := filepath.Base(matches[0])
	b, err := read(dir, name, "version: <version>")
	if err != nil {
		return Found{}, err
	}
	lines := strings.Split(string(b), "\n")
	for i, line := range lines {
		line = strings.TrimRight(line, "\r \t")
		if line == "" || line[0] == ' ' || line[0] == '\t' || strings.HasPrefix(line, "--") {
			continue // only top-level fields; cabal field names are case-insensitive
		}
		field, value, ok := strings.Cut(line, ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(field), "version") {
			continue
		}
		value = strings.TrimSpace(value)
		at := i + 1
		if value == "" { // the value may sit, indented, on the next line
			for j := i + 1; j < len(lines); j++ {
				next := strings.TrimRight(lines[j], "\r \t")
				if strings.TrimSpace(next) == "" {
					continue
				}
				if next[0] == ' ' || next[0] == '\t' {
					value, at = strings.TrimSpace(next), j+1
				}
				break
			}
		}
		return Found{Version: value, Source: name, Line: at}, nil
	}
	return Found{}, none("%s: no top-level version: field", name)
}

func fromVersionFile(dir string) (Found, error) {
	const name = "VERSION"
	b, err := read(dir, name, "the version on its first line")
	if err != nil {
		return Found{}, err
	}
	for i, line := range strings.Split(string(b), "\n") {
		if v := strings.TrimSpace(line); v != "" {
			return Found{Version: v, Source: name, Line: i + 1}, nil
		}
	}
	return Found{}, none("%s: the file is empty", name)
}

func fromRegex(dir string, c Custom) (Found, error) {
	if c.File == "" || c.Pattern == "" {
		return Found{}, errors.New("a custom version source needs both a file and a pattern")
	}
	re, err := regexp.Compile("(?m)" + c.Pattern)
	if err != nil {
		return Found{}, fmt.Errorf("version pattern %q: %w", c.Pattern, err)
	}
	if re.NumSubexp() != 1 {
		return Found{}, fmt.Errorf("version pattern %q has %d capture groups; it needs exactly one, around the version", c.Pattern, re.NumSubexp())
	}
	name := c.File
	if filepath.IsAbs(name) {
		if rel, err := filepath.Rel(dir, name); err == nil && !strings.HasPrefix(rel, "..") {
			name = rel
		}
	}
	path := c.File
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	b, err := ci.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Found{}, none("%s: no such file (pattern %s)", name, c.Pattern)
	}
	if err != nil {
		return Found{}, fmt.Errorf("read %s: %w", name, err)
	}
	loc := re.FindSubmatchIndex(b)
	if loc == nil {
		return Found{}, none("%s: no line matches %s", name, c.Pattern)
	}
	if loc[2] < 0 {
		return Found{}, fmt.Errorf("%s: the capture group of %s matched nothing", name, c.Pattern)
	}
	line := 1 + strings.Count(string(b[:loc[2]]), "\n")
	return Found{Version: strings.TrimSpace(string(b[loc[2]:loc[3]])), Source: name, Line: line}, nil
}
