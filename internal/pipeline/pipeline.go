// Package pipeline reads a .gitlab-ci.yml as GitLab does (anchors, `default:`, `extends:` and
// local `include:` resolved; remote includes named, not followed) and finds the mistakes that
// keep a CD job from reaching the cluster.
package pipeline

import (
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"gitlab.com/glcd/glcd/internal/ci"
)

// Job is a resolved job.
type Job struct {
	Name string
	// Spec is the job's keys after extends, default: and global keys.
	Spec map[string]any
}

// Pipeline is a resolved pipeline file.
type Pipeline struct {
	File string
	Jobs []Job
	// Included are the local files read; Remote the includes named but not followed.
	Included, Remote []string
	// Components are the project's components read from the checkout.
	Components []Component
	// Variables are the file's global variables (a value: key's value for the long form).
	Variables map[string]string
}

// reserved are the top-level keys that are not jobs.
var reserved = []string{"stages", "variables", "default", "include", "workflow", "image", "services",
	"before_script", "after_script", "cache", "types", "spec"}

// defaultKeys are the keys `default:` (and the old global keys) give to jobs without them.
var defaultKeys = []string{"image", "services", "before_script", "after_script", "cache", "tags", "retry", "timeout", "interruptible", "artifacts", "hooks", "id_tokens"}

// Load reads file and the local files it includes, and resolves the jobs.
func Load(file string) (*Pipeline, error) { return LoadWith(file, LoadOptions{}) }

// LoadOptions say what GitLab would know about the project when it reads the file.
type LoadOptions struct {
	// ProjectPath is the repository's path on its GitLab (group/project): the components
	// of this project that the file includes are read from the checkout's templates/.
	ProjectPath string
	// Variables are what include: paths and the expand_vars function of inputs expand:
	// the predefined variables and the project's.
	Variables map[string]string
	// Catalogs are other component projects whose templates/ this reader holds, by project
	// path (glcd's own components, embedded in the binary): their components are read from
	// there, whatever the @version.
	Catalogs map[string]fs.FS
}

// catalogFile names a template of a catalog: "catalog:" PROJECT "//" PATH.
const catalogFile = "catalog:"

// Component is a CI/CD catalog component of the project, read from the checkout.
type Component struct {
	// Ref is the component: line, expanded; File the template read for it: a path in the
	// checkout, or, when Catalog names the catalog project it came from, a path in that
	// catalog (templates/NAME.yml).
	Ref, Catalog, File string
}

// splitCatalogFile splits a file read for an include into its catalog project ("" for the
// checkout) and path.
func splitCatalogFile(file string) (catalog, path string) {
	rest, ok := strings.CutPrefix(file, catalogFile)
	if !ok {
		return "", file
	}
	catalog, path, _ = strings.Cut(rest, "//")
	return catalog, path
}

// LoadWith reads file and what it includes that the checkout holds (local files, this
// project's components, with their inputs), and resolves the jobs.
func LoadWith(file string, o LoadOptions) (*Pipeline, error) {
	root := filepath.Dir(file)
	p := &Pipeline{File: file}
	top := map[string]any{}
	if err := p.read(file, root, top, map[string]bool{}, nil, &o); err != nil {
		return nil, err
	}
	if err := resolveReferences(top); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	p.Variables = variables(top["variables"])
	defaults := map[string]any{}
	for _, k := range defaultKeys {
		if v, ok := top[k]; ok && slices.Contains(reserved, k) {
			defaults[k] = v
		}
	}
	if d, ok := top["default"].(map[string]any); ok {
		maps.Copy(defaults, d)
	}
	names := slices.Sorted(maps.Keys(top))
	for _, name := range names {
		if slices.Contains(reserved, name) || strings.HasPrefix(name, ".") {
			continue
		}
		if _, ok := top[name].(map[string]any); !ok {
			continue
		}
		spec, err := resolve(top, name, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		for k, v := range defaults {
			if _, ok := spec[k]; !ok {
				spec[k] = v
			}
		}
		p.Jobs = append(p.Jobs, Job{Name: name, Spec: spec})
	}
	return p, nil
}

// read merges file into top (keys already there win: the including file overrides), after
// reading the files it includes. Given are the inputs the file is included with.
func (p *Pipeline) read(file, root string, top map[string]any, seen map[string]bool, given map[string]any, o *LoadOptions) error {
	key := file + "\x00" + fmt.Sprint(given) // fmt sorts map keys: one key per set of inputs
	if seen[key] {
		return nil
	}
	seen[key] = true
	b, err := o.readFile(file)
	if err != nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	header, node, err := documents(b)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if header != nil {
		values, err := inputValues(header, given)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		if err := interpolate(node, values, o.Variables); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
	} else if len(given) > 0 {
		return fmt.Errorf("%s is included with inputs: but has no spec: inputs: header to declare them", file)
	}
	if err := markReferences(node); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	var doc map[string]any
	if err := node.Decode(&doc); err != nil { // yaml.v3 resolves anchors, aliases and << merges
		return fmt.Errorf("%s: %w", file, err)
	}
	for k, v := range doc {
		top[k] = v
	}
	for _, inc := range includes(doc["include"]) {
		var files []string
		switch {
		case inc.component != "":
			ref := os.Expand(inc.component, func(k string) string { // an unknown variable stays: another project
				if v, ok := o.Variables[k]; ok {
					return v
				}
				return "${" + k + "}"
			})
			f, err := o.component(root, ref)
			if err != nil {
				return fmt.Errorf("%s: include component %s: %w", file, ref, err)
			}
			if f == "" {
				p.Remote = append(p.Remote, "component "+ref)
				continue
			}
			catalog, path := splitCatalogFile(f)
			p.Components = append(p.Components, Component{Ref: ref, Catalog: catalog, File: path})
			files = []string{f}
		case inc.local != "" && strings.HasPrefix(file, catalogFile):
			return fmt.Errorf("%s: include local %s: a catalog component's local includes are not read", file, inc.local)
		case inc.local != "":
			path := filepath.Join(root, strings.TrimPrefix(inc.local, "/"))
			files, _ = filepath.Glob(path)
			if len(files) == 0 {
				return fmt.Errorf("%s: include local %s: no such file", file, inc.local)
			}
		default:
			p.Remote = append(p.Remote, inc.remote)
			continue
		}
		for _, m := range files {
			sub := map[string]any{}
			if err := p.read(m, root, sub, seen, inc.inputs, o); err != nil {
				return err
			}
			p.Included = append(p.Included, m)
			for k, v := range sub {
				if _, ok := top[k]; !ok {
					top[k] = v
				} else if a, ok := top[k].(map[string]any); ok {
					if b, ok := v.(map[string]any); ok {
						top[k] = deepMerge(b, a)
					}
				}
			}
		}
	}
	return nil
}

// readFile reads a file of the checkout or of a catalog.
func (o *LoadOptions) readFile(file string) ([]byte, error) {
	project, path := splitCatalogFile(file)
	if project == "" {
		return ci.ReadFile(file)
	}
	fsys, ok := o.Catalogs[project]
	if !ok {
		return nil, fmt.Errorf("no catalog %s", project)
	}
	return fs.ReadFile(fsys, path)
}

// catalogNames are the components a catalog holds.
func catalogNames(fsys fs.FS) []string {
	var names []string
	entries, _ := fs.ReadDir(fsys, "templates")
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yml"); ok && !e.IsDir() {
			names = append(names, n)
		} else if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names
}

// component returns the template of this project's component ref
// (HOST/PROJECT/PATH/NAME@VERSION) in the checkout at root, or a catalog's, or "" when ref is
// another project's. The working tree's template is read, whatever the version.
func (o *LoadOptions) component(root, ref string) (string, error) {
	at := strings.LastIndex(ref, "@")
	if at < 0 {
		return "", fmt.Errorf("a component is HOST/PROJECT/NAME@VERSION: the @VERSION is missing")
	}
	parts := strings.Split(ref[:at], "/")
	if len(parts) < 3 || slices.Contains(parts, "") {
		return "", fmt.Errorf("a component is HOST/PROJECT/NAME@VERSION")
	}
	project, name := strings.Join(parts[1:len(parts)-1], "/"), parts[len(parts)-1]
	tried := []string{filepath.Join("templates", name+".yml"), filepath.Join("templates", name, "template.yml")}
	if fsys, ok := o.Catalogs[project]; ok && project != o.ProjectPath {
		for _, f := range tried {
			if _, err := fs.Stat(fsys, filepath.ToSlash(f)); err == nil {
				return catalogFile + project + "//" + filepath.ToSlash(f), nil
			}
		}
		return "", fmt.Errorf("%s has no component %s (it has %s)", project, name, strings.Join(catalogNames(fsys), ", "))
	}
	if o.ProjectPath == "" || project != o.ProjectPath {
		return "", nil
	}
	for _, f := range tried {
		if _, err := os.Stat(filepath.Join(root, f)); err == nil {
			return filepath.Join(root, f), nil
		}
	}
	return "", fmt.Errorf("it is this project's (%s), but the checkout has neither %s", project, strings.Join(tried, " nor "))
}

type include struct {
	local, remote, component string
	inputs                   map[string]any
}

func includes(v any) []include {
	var out []include
	switch x := v.(type) {
	case nil:
	case string:
		if strings.Contains(x, "://") {
			out = append(out, include{remote: x})
		} else {
			out = append(out, include{local: x})
		}
	case []any:
		for _, e := range x {
			out = append(out, includes(e)...)
		}
	case map[string]any:
		inputs, _ := x["inputs"].(map[string]any)
		switch {
		case x["local"] != nil:
			out = append(out, include{local: fmt.Sprint(x["local"]), inputs: inputs})
		case x["remote"] != nil:
			out = append(out, include{remote: fmt.Sprint(x["remote"])})
		case x["project"] != nil:
			out = append(out, include{remote: fmt.Sprintf("project %v file %v", x["project"], x["file"])})
		case x["template"] != nil:
			out = append(out, include{remote: fmt.Sprintf("template %v", x["template"])})
		case x["component"] != nil:
			out = append(out, include{component: fmt.Sprint(x["component"]), inputs: inputs})
		}
	}
	return out
}

// referenceKey marks a !reference [key, ...] tag in the decoded file: a map of this one key
// whose value is the path. No key of a pipeline can hold a NUL.
const referenceKey = "\x00!reference"

// markReferences turns each !reference sequence of the document into a map of referenceKey
// to the path, which decoding keeps (yaml.v3 drops the tags of values it decodes into any).
func markReferences(n *yaml.Node) error {
	if n.Kind == yaml.SequenceNode && n.Tag == "!reference" {
		if len(n.Content) == 0 {
			return fmt.Errorf("line %d: !reference needs the path of what it takes, such as [.setup, script]", n.Line)
		}
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: !reference takes a list of keys", n.Line)
			}
		}
		path := *n
		path.Tag = "!!seq"
		*n = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: referenceKey}, &path}}
		return nil
	}
	for _, c := range n.Content {
		if err := markReferences(c); err != nil {
			return err
		}
	}
	return nil
}

// maxResolvedValues bounds what the !references of a file expand to: ten levels of references
// to ten others each would be 10^10 copies.
const maxResolvedValues = 1 << 20

// resolveReferences replaces every !reference of top by a copy of the value it names (a key
// of top, then keys within it), as GitLab does, references within references to ten levels,
// and at most maxResolvedValues values in all.
func resolveReferences(top map[string]any) error {
	budget := maxResolvedValues
	var walk func(v any, depth int) (any, error)
	walk = func(v any, depth int) (any, error) {
		if budget--; budget < 0 {
			return nil, fmt.Errorf("!reference: the file's references expand to more than %d values; reference fewer or smaller sections", maxResolvedValues)
		}
		switch x := v.(type) {
		case map[string]any:
			if path, ok := x[referenceKey].([]any); ok && len(x) == 1 {
				if depth >= 10 {
					return nil, fmt.Errorf("!reference %v: more than 10 levels of references", path)
				}
				keys := make([]string, len(path))
				for i, k := range path {
					keys[i] = fmt.Sprint(k)
				}
				ref := "!reference [" + strings.Join(keys, ", ") + "]"
				var cur any = top
				for i, k := range keys {
					where := "the file"
					if i > 0 {
						where = strings.Join(keys[:i], ".")
					}
					m, ok := cur.(map[string]any)
					if !ok {
						return nil, fmt.Errorf("%s: %s is not a map of keys", ref, where)
					}
					if cur, ok = m[k]; !ok {
						return nil, fmt.Errorf("%s: %s has no key %s", ref, where, k)
					}
				}
				return walk(cur, depth+1)
			}
			out := make(map[string]any, len(x))
			for k, e := range x {
				r, err := walk(e, depth)
				if err != nil {
					return nil, err
				}
				out[k] = r
			}
			return out, nil
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				r, err := walk(e, depth)
				if err != nil {
					return nil, err
				}
				out[i] = r
			}
			return out, nil
		}
		return v, nil
	}
	for k, v := range top {
		r, err := walk(v, 0)
		if err != nil {
			return err
		}
		top[k] = r
	}
	return nil
}

// resolve returns the job's keys with its extends chain merged in (GitLab's deep merge of
// hashes; the job's own keys win; arrays are replaced, not merged).
func resolve(top map[string]any, name string, chain []string) (map[string]any, error) {
	if slices.Contains(chain, name) {
		return nil, fmt.Errorf("extends loop: %s", strings.Join(append(chain, name), " -> "))
	}
	job, ok := top[name].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("job %s extends %s, which does not exist", chain[len(chain)-1], name)
	}
	var bases []string
	switch e := job["extends"].(type) {
	case string:
		bases = []string{e}
	case []any:
		for _, b := range e {
			bases = append(bases, fmt.Sprint(b))
		}
	}
	merged := map[string]any{}
	for _, b := range bases {
		base, err := resolve(top, b, append(chain, name))
		if err != nil {
			return nil, err
		}
		merged = deepMerge(merged, base)
	}
	own := maps.Clone(job)
	delete(own, "extends")
	return deepMerge(merged, own), nil
}

// deepMerge returns base with over merged on top: hashes merge, everything else is replaced.
func deepMerge(base, over map[string]any) map[string]any {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]any{}
	}
	for k, v := range over {
		if a, ok := out[k].(map[string]any); ok {
			if b, ok := v.(map[string]any); ok {
				out[k] = deepMerge(a, b)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// Image is a job's image: its name and whether the job overrides the ENTRYPOINT.
type Image struct {
	Name               string
	EntrypointOverride bool
}

// ImageOf returns the job's image, if any.
func (j Job) ImageOf() (Image, bool) {
	switch x := j.Spec["image"].(type) {
	case string:
		return Image{Name: x}, x != ""
	case map[string]any:
		_, ep := x["entrypoint"]
		name := fmt.Sprint(x["name"])
		return Image{Name: name, EntrypointOverride: ep}, x["name"] != nil
	}
	return Image{}, false
}

// Script is every line the job runs (before_script, script, after_script).
func (j Job) Script() []string {
	var out []string
	for _, k := range []string{"before_script", "script", "after_script"} {
		out = append(out, j.Lines(k)...)
	}
	return out
}

// Lines are the lines of the job's key (before_script, script or after_script).
func (j Job) Lines(key string) []string { return lines(j.Spec[key]) }

// Variables are the job's own variables.
func (j Job) Variables() map[string]string { return variables(j.Spec["variables"]) }

// Dotenv is the file of the job's artifacts:reports:dotenv, if any.
func (j Job) Dotenv() string {
	a, _ := j.Spec["artifacts"].(map[string]any)
	r, _ := a["reports"].(map[string]any)
	if f, ok := r["dotenv"].(string); ok {
		return f
	}
	return ""
}

// ExpandVariables expands the references between variables as GitLab Runner does ($NAME and
// ${NAME}; an unknown name is empty), to a depth of five.
func ExpandVariables(vars map[string]string) map[string]string {
	out := make(map[string]string, len(vars))
	for k, v := range vars {
		for range 5 {
			n := Expand(v, vars)
			if n == v {
				break
			}
			v = n
		}
		out[k] = v
	}
	return out
}

// Expand replaces $NAME and ${NAME} in s with vars' values (an unknown name is empty).
func Expand(s string, vars map[string]string) string {
	return os.Expand(s, func(k string) string { return vars[k] })
}

// variables reads a variables: map: NAME: value, or NAME: {value: ..., description: ...}.
func variables(v any) map[string]string {
	out := map[string]string{}
	m, _ := v.(map[string]any)
	for k, x := range m {
		if long, ok := x.(map[string]any); ok {
			x = long["value"]
		}
		if x != nil {
			out[k] = fmt.Sprint(x)
		}
	}
	return out
}

func lines(v any) []string {
	switch x := v.(type) {
	case string:
		return strings.Split(x, "\n")
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, lines(e)...)
		}
		return out
	}
	return nil
}

// Services names the job's services.
func (j Job) Services() []string {
	var out []string
	if l, ok := j.Spec["services"].([]any); ok {
		for _, s := range l {
			switch x := s.(type) {
			case string:
				out = append(out, x)
			case map[string]any:
				out = append(out, fmt.Sprint(x["name"]))
			}
		}
	}
	return out
}

// Environment is the job's environment name ("" for none).
func (j Job) Environment() string {
	switch x := j.Spec["environment"].(type) {
	case string:
		return x
	case map[string]any:
		return fmt.Sprint(x["name"])
	}
	return ""
}

var (
	clusterCmd = regexp.MustCompile(`(^|[\s;&|(])(glcd\s+(rollout|apply|writeback|executor)\b|kubectl\s|helm\s|(\./)?scripts/(rollout-update|commit-tag-push)\b)`)
	tagCmd     = regexp.MustCompile(`(^|[\s;&|(])(glcd\s+trigger\b|(\./)?scripts/trigger-deploy\b)`)
)

// UsesCluster returns the first script line that needs the cluster (glcd rollout/apply/writeback,
// kubectl, helm, the old scripts), or "".
func (j Job) UsesCluster() string { return firstMatch(j.Script(), clusterCmd) }

var glcdCmd = regexp.MustCompile(`(^|[\s;&|(])glcd\s`)

// RunsGLCD returns the first script line that runs glcd, or "".
func (j Job) RunsGLCD() string { return firstMatch(j.Script(), glcdCmd) }

// Deploys returns the first script line that starts a deploy (glcd trigger), or "".
func (j Job) Deploys() string { return firstMatch(j.Script(), tagCmd) }

func firstMatch(ls []string, re *regexp.Regexp) string {
	for _, l := range ls {
		if re.MatchString(l) {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

// RunsOnTags reports whether only/except or rules let the job run in a tag pipeline, and why not.
func (j Job) RunsOnTags() (bool, string) {
	if ex := refList(j.Spec["except"]); slices.Contains(ex, "tags") {
		return false, "except: [tags]"
	}
	if only := refList(j.Spec["only"]); len(only) > 0 {
		for _, r := range only {
			if r == "tags" || r == "triggers" || r == "pipelines" || r == "api" || r == "web" || strings.HasPrefix(r, "/") {
				return true, ""
			}
		}
		return false, "only: [" + strings.Join(only, ", ") + "]"
	}
	rules, ok := j.Spec["rules"].([]any)
	if !ok {
		return true, ""
	}
	for _, r := range rules {
		m, ok := r.(map[string]any)
		if !ok {
			continue
		}
		if fmt.Sprint(m["when"]) == "never" {
			continue
		}
		cond, _ := m["if"].(string)
		if cond == "" || !neverOnTag(cond) {
			return true, ""
		}
	}
	return false, "no rule can match a tag pipeline (CI_COMMIT_BRANCH is empty there and CI_COMMIT_TAG set)"
}

var (
	branchCond = regexp.MustCompile(`\$CI_COMMIT_BRANCH\s*(==|=~)|^\s*\$CI_COMMIT_BRANCH\s*$`)
	noTagCond  = regexp.MustCompile(`\$CI_COMMIT_TAG\s*==\s*(null|""|'')|!\s*\$CI_COMMIT_TAG`)
)

// neverOnTag reports whether a rules:if condition without || can only hold in a branch pipeline.
func neverOnTag(cond string) bool {
	if strings.Contains(cond, "||") {
		return false
	}
	return branchCond.MatchString(cond) || noTagCond.MatchString(cond)
}

func refList(v any) []string {
	switch x := v.(type) {
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	case map[string]any:
		return refList(x["refs"])
	case string:
		return []string{x}
	}
	return nil
}
