package images

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Check applies the project's Dockerfile policy to src (named name in the problems) and
// returns every problem found, each naming its line:
//
//   - the final stage has no ENTRYPOINT (an exec-form `ENTRYPOINT []` that clears an
//     inherited one is allowed), so GitLab's `sh` runs the job's script;
//   - its CMD is absent or an exec-form shell (`CMD ["/bin/sh"]`);
//   - its USER (or the USER of the stage it builds on) is set and is not root;
//   - every FROM is a previous stage, `scratch`, or `${ARG}` whose default names an exact
//     version (a tag starting with X.Y.Z, or a digest): no `latest`, no bare major or minor;
//   - no ARG or ENV carries a credential (a name like TOKEN, PASSWORD, SECRET, or a value
//     with user:password@ in a URL): build arguments end up in the image's history.
//
// A Dockerfile whose final stage is an application image rather than an image for CI's
// `image:` line says so with a comment line `# glcd-policy: app`: its ENTRYPOINT and CMD are
// its own, the other rules stay.
func Check(name string, src []byte) []string {
	app := appPolicy.Match(src)
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", name, err)}
	}
	stages, metaArgs, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", name, err)}
	}
	var problems []string
	add := func(loc []parser.Range, format string, a ...any) {
		line := 0
		if len(loc) > 0 {
			line = loc[0].Start.Line
		}
		problems = append(problems, fmt.Sprintf("%s:%d: %s", name, line, fmt.Sprintf(format, a...)))
	}
	if len(stages) == 0 {
		return []string{name + ": no FROM"}
	}

	defaults := map[string]*string{}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			defaults[kv.Key] = kv.Value
			checkCredential(add, a.Location(), "ARG", kv.Key, kv.Value)
		}
	}
	seen := map[string]int{}
	for i, st := range stages {
		checkFrom(add, st, seen, defaults)
		if st.Name != "" {
			seen[strings.ToLower(st.Name)] = i
		}
		for _, c := range st.Commands {
			switch c := c.(type) {
			case *instructions.ArgCommand:
				for _, kv := range c.Args {
					checkCredential(add, c.Location(), "ARG", kv.Key, kv.Value)
				}
			case *instructions.EnvCommand:
				for _, kv := range c.Env {
					checkCredential(add, c.Location(), "ENV", kv.Key, &kv.Value)
				}
			}
		}
	}

	final := stages[len(stages)-1]
	for _, c := range final.Commands {
		if app {
			break
		}
		switch c := c.(type) {
		case *instructions.EntrypointCommand:
			if c.PrependShell || len(c.CmdLine) > 0 {
				add(c.Location(), "the final stage has an ENTRYPOINT (%s): GitLab CI would run the job's shell as its argument; remove it and use CMD", c.String())
			}
		case *instructions.CmdCommand:
			if c.PrependShell {
				add(c.Location(), "CMD in shell form (%s): use the exec form of a shell, CMD [\"/bin/sh\"]", c.String())
			} else if len(c.CmdLine) == 0 || !isShell(c.CmdLine[0]) {
				add(c.Location(), "CMD %q is not a shell: GitLab CI and `docker run -it` expect CMD [\"/bin/sh\"]", c.CmdLine)
			}
		}
	}
	if user, loc, ok := finalUser(stages, seen); !ok {
		add(final.Location, "the final stage sets no USER: add a non-root USER (for example USER 1000:1000)")
	} else if u := strings.SplitN(user, ":", 2)[0]; u == "root" || u == "0" || strings.Contains(u, "$") {
		add(loc, "USER %s: the final stage must run as a non-root user given literally", user)
	}
	return problems
}

// finalUser returns the USER in force at the end of the last stage, following FROM <stage>.
func finalUser(stages []instructions.Stage, byName map[string]int) (string, []parser.Range, bool) {
	for i := len(stages) - 1; i >= 0; {
		st := stages[i]
		for j := len(st.Commands) - 1; j >= 0; j-- {
			if u, ok := st.Commands[j].(*instructions.UserCommand); ok {
				return u.User, u.Location(), true
			}
		}
		prev, ok := byName[strings.ToLower(st.BaseName)]
		if !ok || prev >= i {
			return "", nil, false
		}
		i = prev
	}
	return "", nil, false
}

var (
	appPolicy    = regexp.MustCompile(`(?m)^#\s*glcd-policy:\s*app\s*$`)
	argRef       = regexp.MustCompile(`^\$(\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$`)
	exactVersion = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+([.+_-]|$)`)
	credName     = regexp.MustCompile(`(?i)(pass(word|wd)?|secret|token|credential|api_?key|private_?key|access_?key|auth(_|$))`)
	credURL      = regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:[^/\s@]+@`)
)

func checkFrom(add func([]parser.Range, string, ...any), st instructions.Stage, stages map[string]int, defaults map[string]*string) {
	base := st.BaseName
	if _, ok := stages[strings.ToLower(base)]; ok || base == "scratch" {
		return
	}
	m := argRef.FindStringSubmatch(base)
	if m == nil {
		add(st.Location, "FROM %s: name the base through an ARG with an exact default (ARG BASE=alpine:3.24.1, FROM ${BASE}), or a previous stage", base)
		return
	}
	arg := m[2] + m[3]
	def, ok := defaults[arg]
	if !ok || def == nil || *def == "" {
		add(st.Location, "FROM %s: ARG %s needs a default before the first FROM, an image with an exact version", base, arg)
		return
	}
	if why := inexact(*def); why != "" {
		add(st.Location, "FROM %s: the default of ARG %s, %q, %s", base, arg, *def, why)
	}
}

// inexact says why ref does not pin an exact version ("" when it does).
func inexact(ref string) string {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "is not an image reference: " + err.Error()
	}
	if _, ok := named.(reference.Digested); ok {
		return ""
	}
	tagged, ok := named.(reference.Tagged)
	if !ok {
		return "has no tag, which means latest: give an exact version (X.Y.Z)"
	}
	if !exactVersion.MatchString(tagged.Tag()) {
		return "is not an exact version (no latest, no bare major or minor): use a tag starting with X.Y.Z, or a digest"
	}
	return ""
}

func checkCredential(add func([]parser.Range, string, ...any), loc []parser.Range, kind, key string, value *string) {
	if credName.MatchString(key) {
		add(loc, "%s %s looks like a credential: build arguments and ENV stay in the image; use a build secret (RUN --mount=type=secret)", kind, key)
	} else if value != nil && credURL.MatchString(*value) {
		add(loc, "%s %s holds a URL with a password: use a build secret (RUN --mount=type=secret)", kind, key)
	}
}

func isShell(arg0 string) bool {
	switch filepath.Base(arg0) {
	case "sh", "bash", "ash", "dash", "zsh", "ksh":
		return true
	}
	return false
}

// Dockerfiles returns the Dockerfiles under root (Dockerfile, Dockerfile.*, *.Dockerfile,
// Containerfile, Containerfile.*), skipping hidden folders.
func Dockerfiles(root string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		n := d.Name()
		for _, base := range []string{"Dockerfile", "Containerfile"} {
			if n == base || strings.HasPrefix(n, base+".") || strings.HasSuffix(strings.ToLower(n), "."+strings.ToLower(base)) {
				files = append(files, path)
				break
			}
		}
		return nil
	})
	return files, err
}

// CheckFiles applies Check to each file.
func CheckFiles(paths []string) ([]string, error) {
	var problems []string
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		problems = append(problems, Check(p, src)...)
	}
	return problems, nil
}
