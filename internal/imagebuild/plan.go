// Package imagebuild builds one stage of a Dockerfile inside a CI job's own container, without
// privileges, and pushes it: the steps run here as the job's processes (as kaniko does, but
// only the steps this flow needs), and the image is the pushed base with one layer appended,
// written with go-containerregistry (as ko and jib write theirs).
//
// Two shapes of target stage are built:
//
//   - a stage with RUN steps runs here, in a job whose image is the stage's base: its COPY and
//     RUN steps change this container's root filesystem, and the layer is every file they
//     changed (Dockerfile.builder's builder, run in builder-base);
//   - a stage without RUN is assembled: the stages its `COPY --from` names run here first, and
//     the layer holds the files it copies (Dockerfile.builder's app: the build stage runs in
//     builder:<key>, the executable goes onto app-base).
//
// The image's config is the base's with the stage's USER, ENV, WORKDIR, EXPOSE, LABEL,
// ENTRYPOINT and CMD applied as docker applies them.
package imagebuild

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// Options says what to build.
type Options struct {
	// Dockerfile is the Dockerfile's text, named Name in messages.
	Dockerfile []byte
	Name       string
	// Target is the stage to build.
	Target string
	// Args override the Dockerfile's ARG defaults (--build-arg).
	Args map[string]string
}

// Plan is a checked build: what runs here and what the image gets.
type Plan struct {
	// Target is the stage built; From the base its FROM names (as the Dockerfile writes it).
	Target, From string
	// Run lists the stages whose steps run in this container, in order.
	Run []Stage
	// Snapshot says the target itself ran here: its layer is what its steps changed.
	Snapshot bool
	// Copies are the target's COPY steps when it is assembled.
	Copies []Copy
	// Config is what the target stage sets in the image's config.
	Config Config
}

// Stage is a stage whose steps run in this container.
type Stage struct {
	Name  string
	Steps []Step
}

// Step is one COPY or RUN of a stage run here. Env and Dir are the environment (ENV and ARG)
// and working directory in force at the step.
type Step struct {
	Line int
	// Run is the command (argv) of a RUN; nil for a COPY.
	Run  []string
	Copy *Copy
	Env  []string
	Dir  string
}

// Copy is a COPY: Sources are read from the build context, or with FromStage set, from this
// container's filesystem where that stage ran; Dest is absolute.
type Copy struct {
	Line      int
	FromStage string
	Sources   []string
	Dest      string
	// DestDir says Dest is a directory (it ends in "/", or there are several sources).
	DestDir bool
	// UID and GID own the copied files (--chown, numeric); Mode overrides their mode (--chmod).
	UID, GID int
	Mode     *int64
}

// Config holds what a stage sets in the image's config; nil or empty fields are not set.
type Config struct {
	User       *string
	WorkingDir *string
	Env        []string
	Entrypoint []string
	Cmd        []string
	// EntrypointSet and CmdSet tell an exec-form `[]` from no instruction.
	EntrypointSet, CmdSet bool
	ExposedPorts          []string
	Labels                map[string]string
	// Steps are the instructions, as `docker history` shows them.
	Steps []string
}

// Prepare parses the Dockerfile and checks that the target can be built here, returning every
// problem at once, each naming its line.
func Prepare(o Options) (*Plan, error) {
	res, err := parser.Parse(bytes.NewReader(o.Dockerfile))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.Name, err)
	}
	stages, metaArgs, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.Name, err)
	}
	p := &planner{name: o.Name, lex: shell.NewLex(res.EscapeToken), meta: map[string]string{}, byName: map[string]int{}, stages: stages}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			v := ""
			if kv.Value != nil {
				v = p.expand(a.Location(), *kv.Value, p.metaEnv())
			}
			if ov, ok := o.Args[kv.Key]; ok {
				v = ov
			}
			p.meta[kv.Key] = v
		}
	}
	p.args = o.Args
	for i, st := range stages {
		if st.Name != "" {
			p.byName[strings.ToLower(st.Name)] = i
		}
	}
	ti, ok := p.byName[strings.ToLower(o.Target)]
	if !ok {
		var names []string
		for _, st := range stages {
			if st.Name != "" {
				names = append(names, st.Name)
			}
		}
		return nil, fmt.Errorf("%s has no stage %q: its stages are %s", o.Name, o.Target, strings.Join(names, ", "))
	}
	plan := p.plan(ti)
	if len(p.problems) > 0 {
		return nil, errors.Join(p.problems...)
	}
	return plan, nil
}

type planner struct {
	name     string
	lex      *shell.Lex
	meta     map[string]string // ARGs before the first FROM, with --build-arg applied
	args     map[string]string
	byName   map[string]int
	stages   []instructions.Stage
	problems []error
}

func (p *planner) fail(loc []parser.Range, format string, a ...any) {
	line := 0
	if len(loc) > 0 {
		line = loc[0].Start.Line
	}
	p.problems = append(p.problems, fmt.Errorf("%s:%d: %s", p.name, line, fmt.Sprintf(format, a...)))
}

func (p *planner) metaEnv() []string {
	var env []string
	for k, v := range p.meta {
		env = append(env, k+"="+v)
	}
	return env
}

func (p *planner) expand(loc []parser.Range, word string, env []string) string {
	s, _, err := p.lex.ProcessWord(word, shell.EnvsFromSlice(env))
	if err != nil {
		p.fail(loc, "%q: %v", word, err)
		return word
	}
	return s
}

func line(loc []parser.Range) int {
	if len(loc) > 0 {
		return loc[0].Start.Line
	}
	return 0
}

// parent returns the index of the stage st is built FROM, or -1 for an image.
func (p *planner) parent(st instructions.Stage) int {
	if i, ok := p.byName[strings.ToLower(p.expand(st.Location, st.BaseName, p.metaEnv()))]; ok {
		return i
	}
	return -1
}

// inherited returns the ENV and WORKDIR a stage inherits from the Dockerfile stages it is
// built on (an image's own are the job's: its PATH is the process's).
func (p *planner) inherited(i int, seen map[int]bool) ([]string, string) {
	pi := p.parent(p.stages[i])
	if pi < 0 || seen[pi] {
		return nil, "/"
	}
	seen[pi] = true
	env, dir := p.inherited(pi, seen)
	s := p.walk(pi, env, dir, false)
	return s.env, s.dir
}

// state is a stage's ENV/ARG environment, working directory and config while it is walked.
type state struct {
	env  []string // ENV only: what the image keeps
	args []string // ARG: seen by the steps, not kept
	dir  string
	cfg  Config
	run  Stage
	copy []Copy
	runs bool
}

func setEnv(env []string, k, v string) []string {
	for i, kv := range env {
		if strings.HasPrefix(kv, k+"=") {
			env[i] = k + "=" + v
			return env
		}
	}
	return append(env, k+"="+v)
}

// walk reads stage i's instructions with env and dir inherited; checked says problems are
// reported (only for the stages glcd builds).
func (p *planner) walk(i int, env []string, dir string, checked bool) state {
	st := p.stages[i]
	s := state{env: append([]string(nil), env...), dir: dir, run: Stage{Name: st.Name}}
	fail := func(loc []parser.Range, format string, a ...any) {
		if checked {
			p.fail(loc, format, a...)
		}
	}
	all := func() []string { return append(append([]string(nil), s.args...), s.env...) }
	userSet := false
	for _, c := range st.Commands {
		switch c := c.(type) {
		case *instructions.ArgCommand:
			for _, kv := range c.Args {
				v, ok := p.meta[kv.Key]
				if ov, set := p.args[kv.Key]; set {
					v, ok = ov, true
				}
				if !ok && kv.Value != nil {
					v = p.expand(c.Location(), *kv.Value, all())
				}
				s.args = setEnv(s.args, kv.Key, v)
			}
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				v := p.expand(c.Location(), kv.Value, all())
				s.env = setEnv(s.env, kv.Key, v)
				s.cfg.Env = setEnv(s.cfg.Env, kv.Key, v)
			}
			s.cfg.Steps = append(s.cfg.Steps, c.String())
		case *instructions.WorkdirCommand:
			d := p.expand(c.Location(), c.Path, all())
			if !path.IsAbs(d) {
				d = path.Join(s.dir, d)
			}
			s.dir = path.Clean(d)
			s.cfg.WorkingDir = &s.dir
			s.cfg.Steps = append(s.cfg.Steps, c.String())
		case *instructions.UserCommand:
			u := p.expand(c.Location(), c.User, all())
			s.cfg.User, userSet = &u, true
			s.cfg.Steps = append(s.cfg.Steps, c.String())
		case *instructions.ExposeCommand:
			for _, port := range c.Ports {
				port = p.expand(c.Location(), port, all())
				if !strings.Contains(port, "/") {
					port += "/tcp"
				}
				s.cfg.ExposedPorts = append(s.cfg.ExposedPorts, port)
			}
			s.cfg.Steps = append(s.cfg.Steps, c.String())
		case *instructions.LabelCommand:
			if s.cfg.Labels == nil {
				s.cfg.Labels = map[string]string{}
			}
			for _, kv := range c.Labels {
				s.cfg.Labels[p.expand(c.Location(), kv.Key, all())] = p.expand(c.Location(), kv.Value, all())
			}
			s.cfg.Steps = append(s.cfg.Steps, c.String())
		case *instructions.EntrypointCommand:
			s.cfg.Entrypoint, s.cfg.EntrypointSet = argv(c.CmdLine, c.PrependShell), true
			if !s.cfg.CmdSet { // docker: an ENTRYPOINT drops the CMD inherited
				s.cfg.Cmd, s.cfg.CmdSet = nil, true
			}
			s.cfg.Steps = append(s.cfg.Steps, c.String())
		case *instructions.CmdCommand:
			s.cfg.Cmd, s.cfg.CmdSet = argv(c.CmdLine, c.PrependShell), true
			s.cfg.Steps = append(s.cfg.Steps, c.String())
		case *instructions.RunCommand:
			s.runs = true
			if userSet {
				fail(c.Location(), "RUN after USER: glcd runs a stage's steps as the job's user; put USER after the last RUN")
			}
			if len(c.FlagsUsed) > 0 || len(c.Files) > 0 {
				fail(c.Location(), "RUN --%s or a heredoc: glcd runs plain RUN lines only", strings.Join(c.FlagsUsed, ", --"))
			}
			s.run.Steps = append(s.run.Steps, Step{Line: line(c.Location()), Run: argv(c.CmdLine, c.PrependShell), Env: all(), Dir: s.dir})
			s.cfg.Steps = append(s.cfg.Steps, c.String())
		case *instructions.CopyCommand:
			cp := p.copy(c, all(), s.dir, fail)
			s.run.Steps = append(s.run.Steps, Step{Line: cp.Line, Copy: &cp, Env: all(), Dir: s.dir})
			s.copy = append(s.copy, cp)
			s.cfg.Steps = append(s.cfg.Steps, c.String())
		default:
			fail(c.Location(), "%s is not supported by glcd image build (COPY, RUN, ENV, ARG, WORKDIR, USER, EXPOSE, LABEL, ENTRYPOINT and CMD are)", strings.ToUpper(c.Name()))
		}
	}
	return s
}

func (p *planner) copy(c *instructions.CopyCommand, env []string, dir string, fail func([]parser.Range, string, ...any)) Copy {
	cp := Copy{Line: line(c.Location()), FromStage: c.From}
	for _, src := range c.SourcePaths {
		cp.Sources = append(cp.Sources, p.expand(c.Location(), src, env))
	}
	if len(c.SourceContents) > 0 || c.Parents || len(c.ExcludePatterns) > 0 || c.Link {
		fail(c.Location(), "COPY with a heredoc, --parents, --exclude or --link is not supported by glcd image build")
	}
	dest := p.expand(c.Location(), c.DestPath, env)
	cp.DestDir = strings.HasSuffix(dest, "/") || dest == "." || dest == ".." || len(cp.Sources) > 1
	if !path.IsAbs(dest) {
		dest = path.Join(dir, dest)
	}
	cp.Dest = path.Clean(dest)
	if c.From != "" {
		if _, ok := p.byName[strings.ToLower(c.From)]; !ok {
			fail(c.Location(), "COPY --from=%s: glcd copies only from a stage of this Dockerfile (an image's files are not in the job)", c.From)
		}
	}
	if c.Chown != "" {
		var u, g int
		if n, _ := fmt.Sscanf(c.Chown, "%d:%d", &u, &g); n == 2 {
			cp.UID, cp.GID = u, g
		} else if n == 1 && !strings.Contains(c.Chown, ":") {
			cp.UID, cp.GID = u, u
		} else {
			fail(c.Location(), "COPY --chown=%s: give numeric UID:GID (the names are in the base image, not here)", c.Chown)
		}
	}
	if c.Chmod != "" {
		var m int64
		if _, err := fmt.Sscanf(c.Chmod, "%o", &m); err != nil {
			fail(c.Location(), "COPY --chmod=%s: give an octal mode", c.Chmod)
		}
		cp.Mode = &m
	}
	return cp
}

func argv(cmd []string, prependShell bool) []string {
	if prependShell {
		return []string{"/bin/sh", "-c", strings.Join(cmd, " ")}
	}
	return append([]string{}, cmd...)
}

func (p *planner) plan(ti int) *Plan {
	st := p.stages[ti]
	env, dir := p.inherited(ti, map[int]bool{ti: true})
	t := p.walk(ti, env, dir, true)
	plan := &Plan{Target: st.Name, From: p.expand(st.Location, st.BaseName, p.metaEnv()), Config: t.cfg}
	if t.runs {
		// the target runs here, on the job's image: its base
		plan.Snapshot = true
		plan.Run = []Stage{t.run}
		for _, c := range t.copy {
			if c.FromStage != "" {
				p.fail([]parser.Range{{Start: parser.Position{Line: c.Line}}}, "COPY --from=%s in stage %s, which runs here: copy the files in a RUN, or build %s without RUN steps", c.FromStage, st.Name, st.Name)
			}
		}
		return plan
	}
	plan.Copies = t.copy
	var from []string
	for _, c := range t.copy {
		if c.FromStage != "" && !slices.Contains(from, strings.ToLower(c.FromStage)) {
			from = append(from, strings.ToLower(c.FromStage))
		}
	}
	for _, name := range from {
		i, ok := p.byName[name]
		if !ok {
			continue
		}
		e, d := p.inherited(i, map[int]bool{i: true})
		s := p.walk(i, e, d, true)
		for _, step := range s.run.Steps {
			if step.Copy != nil && step.Copy.FromStage != "" {
				p.fail([]parser.Range{{Start: parser.Position{Line: step.Line}}}, "COPY --from=%s in stage %s, which runs here: only one stage deep is supported", step.Copy.FromStage, s.run.Name)
			}
		}
		plan.Run = append(plan.Run, s.run)
	}
	return plan
}
