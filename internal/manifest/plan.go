package manifest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/distribution/reference"
	yaml11 "go.yaml.in/yaml/v2"
	yaml "go.yaml.in/yaml/v3"
)

// patch is an edit with the end of the bytes it replaces.
type patch struct {
	Edit
	end int
}

// planner works out the patches that apply a change to the uses of a stream.
type planner struct {
	t          *text
	c          change
	patches    []patch
	problems   []Problem
	done       map[*yaml.Node]bool // uses planned: an aliased value is edited once
	edited     map[*yaml.Node]bool // scalars patched: a marked newTag is also its entry's
	found      []Site              // the uses of the repository
	tookTag    bool                // some use has a place for a tag
	tookDigest bool                // some use has a place for a digest
	tagChanged bool                // some tag changes
	pins       []use               // marked digest values that a tag-only change leaves in force
}

func plan(t *text, uses []use, c change) *planner {
	p := &planner{t: t, c: c, done: map[*yaml.Node]bool{}, edited: map[*yaml.Node]bool{}}
	for _, u := range uses {
		if u.Repository != c.repo && u.altRepo != c.repo {
			continue
		}
		p.found = append(p.found, u.Site)
		if p.done[u.node] {
			continue // an alias of a value already seen: its anchor is edited once
		}
		p.done[u.node] = true
		switch u.form {
		case formRef:
			p.ref(u)
		case formTag:
			p.tagValue(u)
		case formDigest:
			p.digestValue(u)
		case formKustomize:
			p.kustomize(u)
		}
	}
	if p.tagChanged {
		for _, u := range p.pins {
			p.problem(u.Site, pinned(u.node.Value))
		}
	}
	sort.SliceStable(p.patches, func(i, j int) bool { return p.patches[i].Offset < p.patches[j].Offset })
	return p
}

func pinned(d string) string {
	return fmt.Sprintf("pinned by digest %s: a new tag alone would leave the old digest in force; "+
		"give the new digest too, or remove the digest from the manifest", d)
}

func (p *planner) problem(s Site, reason string) {
	p.problems = append(p.problems, Problem{Site: s, Reason: reason})
}

// ref sets the tag and digest inside a whole image reference, keeping its name as written.
func (p *planner) ref(u use) {
	p.tookTag, p.tookDigest = true, true
	v := u.node.Value
	m := reference.ReferenceRegexp.FindStringSubmatchIndex(v)
	if m == nil {
		p.problem(u.Site, fmt.Sprintf("%q is not an image reference", v))
		return
	}
	nameEnd := m[3]
	oldTag, oldDigest := group(v, m, 2), group(v, m, 3)
	newTag, newDigest := oldTag, oldDigest
	if p.c.tag != "" {
		newTag = p.c.tag
	}
	if p.c.digest != "" {
		newDigest = p.c.digest
	}
	if newTag == oldTag && newDigest == oldDigest {
		return
	}
	if p.c.digest == "" && oldDigest != "" {
		p.problem(u.Site, fmt.Sprintf("%s is %s", v, pinned(oldDigest)))
		return
	}
	if newTag != oldTag {
		p.tagChanged = true
	}
	suffix := ""
	if newTag != "" {
		suffix = ":" + newTag
	}
	if newDigest != "" {
		suffix += "@" + newDigest
	}
	p.replace(u.Site, u.node, nameEnd, len(v), suffix)
}

// group is submatch i of a FindStringSubmatchIndex result, or "".
func group(s string, m []int, i int) string {
	if m[2*i] < 0 {
		return ""
	}
	return s[m[2*i]:m[2*i+1]]
}

// tagValue replaces a marked bare tag.
func (p *planner) tagValue(u use) {
	p.tookTag = true
	if p.c.tag == "" || u.node.Value == p.c.tag {
		return
	}
	p.tagChanged = true
	p.replace(u.Site, u.node, 0, len(u.node.Value), p.c.tag)
}

// digestValue replaces a marked bare digest.
func (p *planner) digestValue(u use) {
	p.tookDigest = true
	if p.c.digest == "" {
		if u.node.Value != "" {
			p.pins = append(p.pins, u)
		}
		return
	}
	if u.node.Value != p.c.digest {
		p.replace(u.Site, u.node, 0, len(u.node.Value), p.c.digest)
	}
}

// kustomize sets newTag and digest of an images: entry, adding the keys when absent.
func (p *planner) kustomize(u use) {
	p.tookTag, p.tookDigest = true, true
	k := u.kust
	var add []string // keys to add, in order
	tagChanges := false
	if p.c.tag != "" {
		switch {
		case k.newTag == nil:
			add, tagChanges = append(add, "newTag"), true
		case k.newTag.Kind != yaml.ScalarNode || k.newTag.Value != p.c.tag:
			tagChanges = true
			p.field(u, k.newTag, "newTag", p.c.tag)
		}
	}
	switch {
	case p.c.digest == "":
		if tagChanges && str(k.digest) != "" {
			p.problem(u.Site, fmt.Sprintf("%s is %s", u.Reference, pinned(k.digest.Value)))
		}
	case k.digest == nil:
		add = append(add, "digest")
	case k.digest.Kind != yaml.ScalarNode || k.digest.Value != p.c.digest:
		p.field(u, k.digest, "digest", p.c.digest)
	}
	p.tagChanged = p.tagChanged || tagChanges
	if len(add) > 0 {
		p.insert(u, add)
	}
}

// field replaces the whole value of a kustomization entry's key.
func (p *planner) field(u use, n *yaml.Node, key, value string) {
	s := u.Site
	s.Path += "." + key
	if n.Kind != yaml.ScalarNode || isNull(n) && n.Value == "" {
		p.problem(s, fmt.Sprintf("%s: has no value to replace; write %s: \"\" or remove the key", key, key))
		return
	}
	p.replace(s, n, 0, len(n.Value), value)
}

// replace puts text in place of bytes [from, to) of scalar n's value, after checking that
// the new value reads back as the same kind of string in the scalar's style.
func (p *planner) replace(s Site, n *yaml.Node, from, to int, text string) {
	if p.edited[n] {
		return
	}
	p.edited[n] = true
	s.Line = n.Line
	sp, err := p.t.scalar(n)
	if err != nil {
		p.problem(s, fmt.Sprintf("%q cannot be edited in place: %v", n.Value, err))
		return
	}
	newValue := n.Value[:from] + text + n.Value[to:]
	if n.Style&yaml.TaggedStyle != 0 {
		if n.ShortTag() != "!!str" {
			p.problem(s, fmt.Sprintf("%q carries the explicit tag %s; a tag or digest must be a string (!!str or no tag)", n.Value, n.Tag))
			return
		}
	} else if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) == 0 {
		if as := plainReadsAs(newValue); as != "" {
			p.problem(s, fmt.Sprintf("unquoted, %s would read as %s, not a string: quote the value in the manifest "+
				"(%q) and run again", newValue, as, n.Value))
			return
		}
	}
	s.Line = p.t.lineOf(sp.start + from)
	p.patches = append(p.patches, patch{Edit: Edit{Site: s, Offset: sp.start + from, Old: n.Value[from:to], New: text},
		end: sp.start + to})
}

// plainReadsAs says what an unquoted scalar v reads as when it is not a string: "a float",
// "a bool to YAML 1.1 readers (kubectl, Helm)"; "" when v reads as the string v.
func plainReadsAs(v string) string {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(v), &doc); err != nil || len(doc.Content) != 1 ||
		doc.Content[0].Kind != yaml.ScalarNode || doc.Content[0].Style != 0 || doc.Content[0].Value != v {
		return "something else"
	}
	if tag := doc.Content[0].ShortTag(); tag != "!!str" {
		return article(strings.TrimPrefix(tag, "!!"))
	}
	var x any
	if err := yaml11.Unmarshal([]byte(v), &x); err != nil {
		return "something else to YAML 1.1 readers (kubectl, Helm)"
	}
	if s, ok := x.(string); !ok || s != v {
		kind := fmt.Sprintf("%T", x)
		switch x.(type) {
		case bool:
			kind = "bool"
		case int, int64, uint64:
			kind = "int"
		case float64:
			kind = "float"
		case nil:
			kind = "null"
		}
		return article(kind) + " to YAML 1.1 readers (kubectl, Helm)"
	}
	return ""
}

func article(noun string) string {
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

// insert adds keys (newTag, digest) to a kustomization entry: a line after its name,
// newName or newTag line with the same indentation, or ", key: value" in a flow mapping.
func (p *planner) insert(u use, keys []string) {
	k, m := u.kust, u.kust.mapping
	s := u.Site
	s.Path += "." + strings.Join(keys, ",")
	// The pair to add after: in a flow mapping the last one, else the last of name, newName
	// and newTag, which every entry has at least one of.
	at := len(m.Content) - 2
	if m.Style&yaml.FlowStyle == 0 {
		for i := 0; i+1 < len(m.Content); i += 2 {
			switch m.Content[i].Value {
			case "name", "newName", "newTag":
				at = i
			}
		}
	}
	if at < 0 {
		p.problem(s, "the entry has no key to add "+keys[0]+" after")
		return
	}
	key, val := m.Content[at], m.Content[at+1]
	end, err := p.tokenEnd(val)
	if err != nil {
		p.problem(s, fmt.Sprintf("cannot add %s: after %s: %v", keys[0], key.Value, err))
		return
	}
	var quote byte
	if sp, err := p.t.scalar(k.name); err == nil {
		quote = sp.quote
	}
	var b strings.Builder
	if m.Style&yaml.FlowStyle != 0 {
		for _, key := range keys {
			fmt.Fprintf(&b, ", %s: %s", key, p.format(key, quote))
		}
	} else {
		eol := p.t.lineEnd(end)
		if rest := strings.TrimLeft(string(p.t.src[end:eol]), " \t"); rest != "" && rest[0] != '#' {
			p.problem(s, fmt.Sprintf("cannot add %s: the line of %s goes on after its value", keys[0], key.Value))
			return
		}
		lb := p.t.lineBreak(eol)
		indent := strings.Repeat(" ", key.Column-1)
		for _, key := range keys {
			fmt.Fprintf(&b, "%s%s%s: %s", lb, indent, key, p.format(key, quote))
		}
		end = eol
	}
	s.Line = p.t.lineOf(end)
	p.patches = append(p.patches, patch{Edit: Edit{Site: s, Offset: end, New: b.String()}, end: end})
}

// format writes the value for a new key, quoted like the entry's name or, unquoted, only
// when it reads as a string.
func (p *planner) format(key string, quote byte) string {
	v := p.c.tag
	if key == "digest" {
		v = p.c.digest
	}
	switch {
	case quote != 0:
		return string(quote) + v + string(quote)
	case plainReadsAs(v) != "":
		return `"` + v + `"`
	}
	return v
}

// tokenEnd is the offset just past a single-line scalar or alias value.
func (p *planner) tokenEnd(n *yaml.Node) (int, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		sp, err := p.t.scalar(n)
		if err != nil {
			return 0, err
		}
		return sp.tokenEnd, nil
	case yaml.AliasNode:
		off := p.t.offset(n.Line, n.Column)
		if off < 0 || off+1+len(n.Value) > len(p.t.src) || p.t.src[off] != '*' ||
			string(p.t.src[off+1:off+1+len(n.Value)]) != n.Value {
			return 0, fmt.Errorf("cannot find the alias *%s", n.Value)
		}
		return off + 1 + len(n.Value), nil
	}
	return 0, fmt.Errorf("its value is a %s, not a single value", kindName(n.Kind))
}
