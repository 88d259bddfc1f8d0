package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/distribution/reference"
	yaml "go.yaml.in/yaml/v3"

	"gitlab.com/glcd/glcd/internal/exitcode"
)

// FuzzSetImage checks, for any input and a repository that appears in it:
//   - the output is the input with each edit's span replaced, and each span is a tag, a
//     digest, a ":tag@digest" suffix, or an added newTag:/digest: key, holding the new values;
//   - applying the same change again is a byte-for-byte no-op;
//   - the input and the output decode to the same documents but for the image values;
//   - every single-line plain or single-quoted scalar maps to the bytes that spell it.
//
// Errors are allowed (the input may be invalid or uneditable) but must be usage errors,
// never a failed self-check.
func FuzzSetImage(f *testing.F) {
	for i, c := range goldenCases(f) {
		f.Add(c.src, uint8(i), c.change.Tag, c.change.Digest != "")
	}
	f.Add([]byte("images:\n- {name: app}\n"), uint8(0), "1.4", true)
	f.Add([]byte("images:\r\n- name: app\r\n  newTag: v1 # glcd:image app\r\n- name: web"), uint8(0), "v2", true)
	f.Add([]byte("image:\n  # glcd:image reg/app\n  tag: 1.3\n  digest: '' # glcd:image reg/app\n"), uint8(0), "1.4.0", true)
	f.Add([]byte("x: &a app:1\nkind: Pod\nspec: {containers: [{image: *a}]}\ny: *a\n"), uint8(0), "2", false)
	f.Fuzz(func(t *testing.T, src []byte, pick uint8, tag string, withDigest bool) {
		checkScalarOffsets(t, src)

		var repos []string
		imgs, _ := Images(src)
		for _, img := range imgs {
			if img.Repository != "" && !slices.Contains(repos, img.Repository) {
				repos = append(repos, img.Repository)
			}
		}
		c := Change{Repository: "app", Tag: tag}
		if len(repos) > 0 {
			c.Repository = repos[int(pick)%len(repos)]
		}
		if withDigest {
			c.Digest = newDigest
		}
		out, edits, err := SetImage(src, c)
		if err != nil {
			if errors.Is(err, errEditDidNotHold) || exitcode.Of(err) != exitcode.Usage {
				t.Fatalf("SetImage(%+v): %v", c, err)
			}
			return
		}
		checkSpans(t, src, out, edits)
		for _, e := range edits {
			if msg := editShape(e, c); msg != "" {
				t.Fatalf("edit at %s: %q -> %q: %s", e.Site, e.Old, e.New, msg)
			}
		}

		again, edits2, err := SetImage(out, c)
		if err != nil || len(edits2) != 0 || !bytes.Equal(again, out) {
			t.Fatalf("second identical edit is not a no-op: err %v, %d edits", err, len(edits2))
		}

		before, err := decodeAll(src)
		if err != nil {
			return // yaml.v3 reads the nodes but not the values (duplicate keys, alias bombs)
		}
		after, err := decodeAll(out)
		if err != nil {
			t.Fatalf("the input decodes but the output does not: %v", err)
		}
		if msg := sameButImages(before, after, c, ""); msg != "" {
			t.Fatalf("the output reads differently: %s", msg)
		}
	})
}

var (
	tagPat    = reference.TagRegexp.String()
	digestPat = reference.DigestRegexp.String()
	suffixRE  = regexp.MustCompile(`^(?::(` + tagPat + `))?(?:@(` + digestPat + `))?$`)
	insertRE  = regexp.MustCompile(`^(?:(?:, |(?:\r\n|\n|\r|\x{85}|\x{2028}|\x{2029}) *)(newTag|digest): (["']?)([^"'\s]+)(["']?))+$`)
	insertKV  = regexp.MustCompile(`(newTag|digest): ["']?([^"'\s,]+)`)
)

// editShape says what is wrong with an edit's Old and New for change c, or "".
func editShape(e Edit, c Change) string {
	// A ":tag@digest" suffix of a reference (containers, marked references).
	if o, n := suffixRE.FindStringSubmatch(e.Old), suffixRE.FindStringSubmatch(e.New); o != nil && n != nil && e.Kind != KindKustomize {
		if n[1] != cmpOr(c.Tag, o[1]) || n[2] != cmpOr(c.Digest, o[2]) {
			return "the suffix does not hold the change"
		}
		return ""
	}
	// A whole tag or digest value (marked values, kustomization newTag and digest).
	if e.Kind != KindContainer && e.New != "" && (e.New == c.Tag || e.New == c.Digest) {
		return ""
	}
	// Keys added to a kustomization entry.
	if e.Kind == KindKustomize && e.Old == "" && insertRE.MatchString(e.New) {
		for _, kv := range insertKV.FindAllStringSubmatch(e.New, -1) {
			if kv[1] == "newTag" && kv[2] != c.Tag || kv[1] == "digest" && kv[2] != c.Digest {
				return "the added key does not hold the change"
			}
		}
		return ""
	}
	return "neither a tag or digest span nor an added newTag/digest key"
}

func decodeAll(src []byte) ([]any, error) {
	var docs []any
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, v)
	}
}

// sameButImages says how b differs from a other than by the change to image values, or "".
func sameButImages(a, b any, c Change, path string) string {
	switch av := a.(type) {
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return fmt.Sprintf("%s: %v became %v", path, a, b)
		}
		for i := range av {
			if msg := sameButImages(av[i], bv[i], c, fmt.Sprintf("%s[%d]", path, i)); msg != "" {
				return msg
			}
		}
		return ""
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: a mapping became %T", path, b)
		}
		for k, x := range av {
			y, ok := bv[k]
			if !ok {
				return fmt.Sprintf("%s: key %q is gone", path, k)
			}
			if msg := sameButImages(x, y, c, path+"."+k); msg != "" {
				return msg
			}
		}
		for k, y := range bv {
			if _, ok := av[k]; ok {
				continue
			}
			_, entry := av["name"]
			if !entry || !(k == "newTag" && y == c.Tag || k == "digest" && y == c.Digest) {
				return fmt.Sprintf("%s: key %q = %v appeared", path, k, y)
			}
		}
		return ""
	case map[any]any:
		bv, ok := b.(map[any]any)
		if !ok || len(av) != len(bv) {
			return fmt.Sprintf("%s: a mapping became %T", path, b)
		}
		for k, x := range av {
			if msg := sameButImages(x, bv[k], c, fmt.Sprintf("%s.%v", path, k)); msg != "" {
				return msg
			}
		}
		return ""
	}
	if reflect.DeepEqual(a, b) {
		return ""
	}
	bs, ok := b.(string)
	if !ok {
		return fmt.Sprintf("%s: %#v became %#v", path, a, b)
	}
	if as, ok := a.(string); ok {
		ma, mb := reference.ReferenceRegexp.FindStringSubmatch(as), reference.ReferenceRegexp.FindStringSubmatch(bs)
		if ma != nil && mb != nil && ma[1] == mb[1] &&
			mb[2] == cmpOr(c.Tag, ma[2]) && mb[3] == cmpOr(c.Digest, ma[3]) {
			return "" // the same name with the new tag and digest
		}
	}
	if bs == c.Tag || bs == c.Digest {
		return "" // a marked tag or digest value, or a kustomization newTag or digest
	}
	return fmt.Sprintf("%s: %#v became %#v", path, a, b)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// checkScalarOffsets asserts that every single-line plain or single-quoted scalar maps to the
// bytes that spell it: the line and column arithmetic behind every edit.
func checkScalarOffsets(t *testing.T, src []byte) {
	docs, err := parse(src)
	if err != nil {
		return
	}
	tx := newText(src)
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		for _, ch := range n.Content {
			walk(ch)
		}
		style := n.Style &^ yaml.TaggedStyle
		if n.Kind != yaml.ScalarNode || n.Value == "" || strings.ContainsAny(n.Value, " \t\r\n\u0085\u2028\u2029'\"\\") ||
			(style != 0 && style != yaml.SingleQuotedStyle) {
			return
		}
		sp, err := tx.scalar(n)
		if err != nil {
			t.Fatalf("scalar %q at %d:%d: %v", n.Value, n.Line, n.Column, err)
		}
		if got := string(src[sp.start:sp.end]); got != n.Value {
			t.Fatalf("scalar %q at %d:%d maps to %q", n.Value, n.Line, n.Column, got)
		}
	}
	for _, d := range docs {
		walk(d)
	}
}
