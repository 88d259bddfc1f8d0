package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/distribution/reference"
	yaml "go.yaml.in/yaml/v3"
)

// markerWord starts a marker comment: # glcd:image <repository>.
const markerWord = "glcd:image"

// form is what a located value holds.
type form int

const (
	formRef       form = iota // a whole image reference: registry/app:1.3.0
	formTag                   // a bare tag, marked for a repository
	formDigest                // a bare digest, marked for a repository
	formKustomize             // a kustomization images: entry
)

// use is one located use of an image, with the nodes needed to edit it.
type use struct {
	Image
	form    form
	node    *yaml.Node // the scalar holding the value; for formKustomize the entry's mapping
	kust    *kustEntry
	altRepo string // formKustomize: the repository of name: when newName: renames it
}

// kustEntry is an images: entry of a kustomization.
type kustEntry struct {
	mapping                       *yaml.Node
	name, newName, newTag, digest *yaml.Node // the values (aliases followed); nil when absent
}

// object is what a document, or an item of a List, says about itself.
type object struct {
	doc        int
	kind, name string
	path       string // prefix of the paths inside it: "" or "items[3]."
}

// locator collects the uses of images in a stream's documents.
type locator struct {
	file     string
	text     *text
	uses     []use
	problems []Problem
	marked   map[*yaml.Node]string // scalar → the repository its marker names
}

// parse reads every document of a YAML stream into nodes.
func parse(src []byte) (docs []*yaml.Node, err error) {
	if bytes.HasPrefix(src, []byte{0xFE, 0xFF}) || bytes.HasPrefix(src, []byte{0xFF, 0xFE}) {
		return nil, errors.New("the file is UTF-16; glcd edits UTF-8 manifests only (convert it, for example with iconv -f UTF-16 -t UTF-8)")
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("not valid YAML: %w", err)
		}
		docs = append(docs, &n)
	}
}

// locate finds every use of an image in the documents.
func locate(file string, t *text, docs []*yaml.Node) *locator {
	l := &locator{file: file, text: t, marked: map[*yaml.Node]string{}}
	hasMarkers := bytes.Contains(t.src, []byte(markerWord))
	for i, d := range docs {
		if d.Kind != yaml.DocumentNode || len(d.Content) == 0 {
			continue
		}
		o := describe(d.Content[0], object{doc: i + 1})
		l.object(d.Content[0], o, 0)
		if hasMarkers {
			l.markers(d, o)
		}
	}
	sort.SliceStable(l.uses, func(i, j int) bool { return l.uses[i].Line < l.uses[j].Line })
	return l
}

func (l *locator) site(o object, kind Kind, line int, path string) Site {
	return Site{File: l.file, Line: line, Document: o.doc, Kind: kind, ObjectKind: o.kind, ObjectName: o.name, Path: path}
}

// describe fills in the kind and metadata.name of the object n, if it has them.
func describe(n *yaml.Node, o object) object {
	o.kind = str(lookup(n, "kind"))
	o.name = str(lookup(lookup(n, "metadata"), "name"))
	return o
}

// object looks at a Kubernetes object o (or kustomization) for the images it uses.
func (l *locator) object(n *yaml.Node, o object, depth int) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode || depth > 8 {
		return
	}
	if items := seq(lookup(n, "items")); strings.HasSuffix(o.kind, "List") && items != nil {
		for i, it := range items.Content {
			l.object(it, describe(it, object{doc: o.doc, path: fmt.Sprintf("%sitems[%d].", o.path, i)}), depth+1)
		}
		return
	}
	if p := podSpecPath(o.kind); p != nil {
		spec := n
		for _, k := range p {
			spec = lookup(spec, k)
		}
		l.podSpec(spec, o, o.path+strings.Join(p, "."))
		return
	}
	if images, path := kustomizeImages(n, o.kind); images != nil {
		l.kustomize(images, o, o.path+path)
	}
}

// podSpecPath is the path from a workload to its Pod spec, or nil for other kinds.
func podSpecPath(kind string) []string {
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job":
		return []string{"spec", "template", "spec"}
	case "CronJob":
		return []string{"spec", "jobTemplate", "spec", "template", "spec"}
	case "PodTemplate":
		return []string{"template", "spec"}
	case "Pod":
		return []string{"spec"}
	}
	return nil
}

func (l *locator) podSpec(spec *yaml.Node, o object, path string) {
	for _, field := range []string{"initContainers", "containers", "ephemeralContainers"} {
		list := lookup(spec, field)
		if list == nil || list.Kind != yaml.SequenceNode {
			continue
		}
		for i, c := range list.Content {
			img := lookup(c, "image")
			if img == nil || img.Kind != yaml.ScalarNode || isNull(img) {
				continue
			}
			s := l.site(o, KindContainer, img.Line, fmt.Sprintf("%s.%s[%d].image", path, field, i))
			s.Container = str(lookup(c, "name"))
			u := use{Image: Image{Site: s, Value: img.Value}, form: formRef, node: img}
			if named, ok := parseName(img); ok {
				u.Reference, u.Repository = img.Value, named.Name()
			}
			l.uses = append(l.uses, u)
		}
	}
}

// kustomizeImages returns the images: list of a kustomization and its path, or nil. A
// document without kind counts when its images: entries hold only kustomize's fields.
func kustomizeImages(m *yaml.Node, kind string) (*yaml.Node, string) {
	api := str(lookup(m, "apiVersion"))
	switch {
	case kind == "Kustomization" && strings.HasPrefix(api, "kustomize.toolkit.fluxcd.io/"):
		return seq(lookup(lookup(m, "spec"), "images")), "spec.images"
	case kind == "Kustomization" || kind == "Component":
		return seq(lookup(m, "images")), "images"
	case kind == "" && (api == "" || strings.HasPrefix(api, "kustomize.config.k8s.io/")):
		images := seq(lookup(m, "images"))
		if images == nil || len(images.Content) == 0 {
			return nil, ""
		}
		for _, e := range images.Content {
			e = resolve(e)
			if e == nil || e.Kind != yaml.MappingNode || str(lookup(e, "name")) == "" {
				return nil, ""
			}
			for i := 0; i < len(e.Content); i += 2 {
				switch e.Content[i].Value {
				case "name", "newName", "newTag", "digest", "tagSuffix":
				default:
					return nil, ""
				}
			}
		}
		return images, "images"
	}
	return nil, ""
}

func (l *locator) kustomize(images *yaml.Node, o object, path string) {
	for i, e := range images.Content {
		e = resolve(e)
		if e == nil || e.Kind != yaml.MappingNode {
			continue
		}
		k := &kustEntry{mapping: e, name: lookup(e, "name"), newName: lookup(e, "newName"),
			newTag: lookup(e, "newTag"), digest: lookup(e, "digest")}
		if str(k.name) == "" {
			continue
		}
		eff := k.name // the name the image ends up with
		if str(k.newName) != "" {
			eff = k.newName
		}
		u := use{Image: Image{Site: l.site(o, KindKustomize, k.name.Line, fmt.Sprintf("%s[%d]", path, i)), Value: eff.Value},
			form: formKustomize, node: e, kust: k}
		if named, ok := parseName(eff); ok && reference.IsNameOnly(named) {
			u.Repository = named.Name()
			u.Reference = eff.Value
			if str(k.newTag) != "" {
				u.Reference += ":" + k.newTag.Value
			}
			if str(k.digest) != "" {
				u.Reference += "@" + k.digest.Value
			}
		}
		if eff != k.name {
			if named, ok := parseName(k.name); ok {
				u.altRepo = named.Name()
			}
		}
		l.uses = append(l.uses, u)
	}
}

// markers finds the values marked by # glcd:image <repository>: the marker is a comment at
// the end of the value's line (or its key's), or on the lines just above the key or item.
func (l *locator) markers(d *yaml.Node, o object) {
	root := d.Content[0]
	l.unbound(o, d.HeadComment, d.Line, "at the start of a document")
	l.unbound(o, d.FootComment, d.Line, "at the end of a document")
	l.mark(o, root, "", nil, root.HeadComment, root.LineComment)
	l.unbound(o, root.FootComment, root.Line, "below a value")
	l.walk(o, root, "")
}

func (l *locator) walk(o object, n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			l.mark(o, v, p, k, k.HeadComment, k.LineComment, v.HeadComment, v.LineComment)
			l.unbound(o, k.FootComment, k.Line, "below a value")
			l.unbound(o, v.FootComment, v.Line, "below a value")
			l.walk(o, v, p)
		}
	case yaml.SequenceNode:
		for i, it := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			l.mark(o, it, p, nil, it.HeadComment, it.LineComment)
			l.unbound(o, it.FootComment, it.Line, "below a value")
			l.walk(o, it, p)
		}
	}
}

// unbound reports markers in comments that mark no value, near line.
func (l *locator) unbound(o object, comment string, near int, where string) {
	if !strings.Contains(comment, markerWord) {
		return
	}
	for _, c := range strings.Split(comment, "\n") {
		if _, _, ok, _ := parseMarker(c); ok {
			l.problem(o, l.text.commentLine(c, near), "", fmt.Sprintf("%s %s marks no value: put it at the end "+
				"of the value's line or on the line just above it, with no blank line between", strings.TrimSpace(c), where))
		}
	}
}

func (l *locator) problem(o object, line int, path, reason string) {
	l.problems = append(l.problems, Problem{Site: l.site(o, KindMarker, line, path), Reason: reason})
}

// mark records value v as marked when one of the comments holds a marker. key is v's key, if any.
func (l *locator) mark(o object, v *yaml.Node, path string, key *yaml.Node, comments ...string) {
	for _, comment := range comments {
		if !strings.Contains(comment, markerWord) {
			continue
		}
		for _, c := range strings.Split(comment, "\n") {
			written, repo, ok, err := parseMarker(c)
			if !ok {
				continue
			}
			if err != nil {
				l.problem(o, v.Line, path, err.Error())
				continue
			}
			l.bind(o, v, path, key, written, repo)
		}
	}
}

func (l *locator) bind(o object, v *yaml.Node, path string, key *yaml.Node, written, repo string) {
	n := resolve(v)
	switch {
	case n == nil:
		return
	case n.Kind != yaml.ScalarNode:
		l.problem(o, v.Line, path, fmt.Sprintf("# glcd:image %s marks a %s, not a single value: put the marker "+
			"on the line of the tag or image value", written, kindName(n.Kind)))
		return
	case isNull(n) && n.Value == "":
		l.problem(o, v.Line, path, fmt.Sprintf("# glcd:image %s marks an empty value: write a value for glcd to "+
			"replace, for example tag: \"\"", written))
		return
	}
	if prev, ok := l.marked[n]; ok {
		if prev != repo {
			l.problem(o, v.Line, path, fmt.Sprintf("the value is marked for two repositories, %s and %s", prev, repo))
		}
		return
	}
	l.marked[n] = repo
	u := use{Image: Image{Site: l.site(o, KindMarker, n.Line, path), Value: n.Value, Repository: repo}, node: n}
	named, isRef := parseName(n)
	switch {
	case isRef && named.Name() == repo:
		u.form, u.Reference = formRef, n.Value
	case isDigest(n.Value) || n.Value == "" && key != nil && strings.EqualFold(key.Value, "digest"):
		u.form, u.Reference = formDigest, written+"@"+n.Value
	case n.Value == "" || isTag(n.Value):
		u.form, u.Reference = formTag, written+":"+n.Value
	case isRef:
		u.form, u.Reference = formRef, n.Value // an image under another name (a mirror), marked as this one
	default:
		l.problem(o, n.Line, path, fmt.Sprintf("# glcd:image %s marks %q, which is neither an image reference, "+
			"a tag nor a digest", written, n.Value))
		return
	}
	l.uses = append(l.uses, u)
}

// parseMarker reads a comment line. ok says whether it is a marker; written is the repository
// as written, repo its normalised name.
func parseMarker(line string) (written, repo string, ok bool, err error) {
	c := strings.TrimSpace(line)
	if !strings.HasPrefix(c, "#") {
		return "", "", false, nil
	}
	rest, found := strings.CutPrefix(strings.TrimLeft(strings.TrimLeft(c, "#"), " \t"), markerWord)
	if !found || rest != "" && !isBlank(rest[0]) {
		return "", "", false, nil
	}
	fields := strings.Fields(rest)
	if len(fields) != 1 {
		return "", "", true, fmt.Errorf("marker %q: want # glcd:image <repository>", c)
	}
	named, err := reference.ParseNormalizedNamed(fields[0])
	if err != nil {
		return fields[0], "", true, fmt.Errorf("marker %q: %v", c, err)
	}
	if !reference.IsNameOnly(named) {
		return fields[0], "", true, fmt.Errorf("marker %q: name the repository alone, without tag or digest "+
			"(# glcd:image %s)", c, reference.FamiliarName(named))
	}
	return fields[0], named.Name(), true, nil
}

// parseName parses a string scalar as an image reference. A scalar that YAML reads as a
// number or another non-string (image: 1) is no reference, whatever its text.
func parseName(n *yaml.Node) (reference.Named, bool) {
	if n.ShortTag() != "!!str" {
		return nil, false
	}
	named, err := reference.ParseNormalizedNamed(n.Value)
	return named, err == nil
}

// lookup returns the value of key in mapping m (following aliases and << merge keys), or nil.
func lookup(m *yaml.Node, key string) *yaml.Node {
	return lookupIn(m, key, nil)
}

// lookupIn is lookup that skips the mappings in seen, so merges visit each mapping once.
func lookupIn(m *yaml.Node, key string, seen map[*yaml.Node]bool) *yaml.Node {
	m = resolve(m)
	if m == nil || m.Kind != yaml.MappingNode || seen[m] {
		return nil
	}
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		switch {
		case k.Kind == yaml.ScalarNode && k.Tag == "!!merge":
			merges = append(merges, v)
		case k.Kind == yaml.ScalarNode && k.Value == key:
			return resolve(v)
		}
	}
	if len(merges) == 0 {
		return nil
	}
	if seen == nil {
		seen = map[*yaml.Node]bool{}
	}
	seen[m] = true
	for _, mv := range merges {
		mv = resolve(mv)
		if mv == nil {
			continue
		}
		sources := []*yaml.Node{mv}
		if mv.Kind == yaml.SequenceNode {
			sources = mv.Content
		}
		for _, src := range sources {
			if v := lookupIn(src, key, seen); v != nil {
				return v
			}
		}
	}
	return nil
}

// resolve follows aliases to the anchored node.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

func seq(n *yaml.Node) *yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n
}

// str is the value of a non-null scalar, or "".
func str(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || isNull(n) {
		return ""
	}
	return n.Value
}

func isNull(n *yaml.Node) bool { return n.ShortTag() == "!!null" }

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.DocumentNode:
		return "document"
	}
	return "node"
}
