package manifest

import (
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// TestScalarOffsets checks that yaml.v3's line and character column of every scalar
// becomes the byte offset of its text, across the line breaks and characters that make
// bytes, characters and lines disagree.
func TestScalarOffsets(t *testing.T) {
	tests := []struct{ name, src string }{
		{"LF", "a: x\nb: y\n"},
		{"CRLF", "a: x\r\nb: y\r\n"},
		{"CR only", "a: x\rb: y\r"},
		{"NEL, LS and PS", "a: x\u0085b: y\u2028c: z\u2029d: w\n"},
		{"UTF-8 byte order mark", "\ufeffa: x\nb: y\n"},
		{"multi-byte characters before the value", "é: {ü: x, 日本: y}\n🚀: z\n"},
		{"tabs", "a:\tx\nb: [\tx,\ty]\n"},
		{"anchor and tag", "a: &anc !!str x\nb: !t &b2 y\nc: ! z\n"},
		{"anchor on the line above", "a: &anc # comment\n  x\n"},
		{"anchor followed by an indicator", "&0?0\n"},
		{"verbatim tag", "a: !<tag:yaml.org,2002:str> x\n"},
		{"quoted", "a: 'x'\nb: \"y\"\nc: 'it''s'\n"},
		{"no final newline", "a: x\nb: y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkScalarOffsets(t, []byte(tt.src))
			docs, err := parse([]byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			// Every scalar here maps, and a value exists in each case, so the check above ran.
			var n int
			var count func(*yaml.Node)
			count = func(x *yaml.Node) {
				if x.Kind == yaml.ScalarNode && x.Value != "" && !strings.Contains(x.Value, "'") {
					if _, err := newText([]byte(tt.src)).scalar(x); err != nil {
						t.Errorf("%q: %v", x.Value, err)
					}
					n++
				}
				for _, c := range x.Content {
					count(c)
				}
			}
			for _, d := range docs {
				count(d)
			}
			if n == 0 {
				t.Fatal("no scalar checked")
			}
		})
	}
}

func TestLineOfAndBreaks(t *testing.T) {
	tx := newText([]byte("a\r\nb\rc\u2028d"))
	for off, want := range map[int]int{0: 1, 1: 1, 3: 2, 5: 3, 6: 3, 9: 4} {
		if got := tx.lineOf(off); got != want {
			t.Errorf("lineOf(%d) = %d, want %d", off, got, want)
		}
	}
	if got := tx.lineBreak(1); got != "\r\n" {
		t.Errorf("lineBreak at CRLF = %q", got)
	}
	if got := tx.lineBreak(len(tx.src)); got != "\r\n" {
		t.Errorf("lineBreak at the end falls back to the first break; got %q", got)
	}
	if got := newText([]byte("a")).lineBreak(1); got != "\n" {
		t.Errorf("lineBreak of a single line = %q, want \\n", got)
	}
}

// TestInvariantCheckersFail shows that the fuzz test's checks reject what they must.
func TestInvariantCheckersFail(t *testing.T) {
	c := Change{Repository: "app", Tag: "2"}
	bad := []Edit{
		{Site: Site{Kind: KindContainer}, Old: ":1", New: ":3"},                     // not the new tag
		{Site: Site{Kind: KindContainer}, Old: "app:1", New: "web:2"},               // the name changes
		{Site: Site{Kind: KindContainer}, Old: "", New: ":2 # note"},                // more than a tag
		{Site: Site{Kind: KindKustomize}, Old: "", New: "\n  newTag: 3"},            // wrong value added
		{Site: Site{Kind: KindKustomize}, Old: "", New: "\n  replicas: 2"},          // another key added
		{Site: Site{Kind: KindMarker}, Old: "1", New: "1-rc"},                       // not the new tag
		{Site: Site{Kind: KindContainer}, Old: "@" + oldDigest, New: ":2"},          // digest dropped
		{Site: Site{Kind: KindContainer}, Old: ":1", New: ":2@" + newDigest},        // digest invented
		{Site: Site{Kind: KindKustomize}, Old: "", New: ", newTag: 2, x: y"},        // extra key in flow
		{Site: Site{Kind: KindMarker}, Old: "registry/app:1", New: "other:2"},       // not a suffix
		{Site: Site{Kind: KindKustomize}, Old: "", New: "\n  digest: " + newDigest}, // no digest in the change
	}
	for _, e := range bad {
		if editShape(e, c) == "" {
			t.Errorf("editShape accepts %q -> %q (%s)", e.Old, e.New, e.Kind)
		}
	}
	good := []Edit{
		{Site: Site{Kind: KindContainer}, Old: ":1", New: ":2"},
		{Site: Site{Kind: KindContainer}, Old: "", New: ":2"},
		{Site: Site{Kind: KindMarker}, Old: "1.0", New: "2"},
		{Site: Site{Kind: KindKustomize}, Old: "", New: "\r\n    newTag: '2'"},
	}
	for _, e := range good {
		if msg := editShape(e, c); msg != "" {
			t.Errorf("editShape rejects %q -> %q: %s", e.Old, e.New, msg)
		}
	}

	before := []any{map[string]any{"image": "app:1", "other": "x", "n": 1}}
	for name, after := range map[string][]any{
		"another value changed": {map[string]any{"image": "app:2", "other": "y", "n": 1}},
		"a number changed":      {map[string]any{"image": "app:2", "other": "x", "n": 2}},
		"a key appeared":        {map[string]any{"image": "app:2", "other": "x", "n": 1, "newTag": "2"}},
		"a key is gone":         {map[string]any{"image": "app:2", "n": 1}},
		"the name changed":      {map[string]any{"image": "web:2", "other": "x", "n": 1}},
	} {
		if sameButImages(before, after, c, "") == "" {
			t.Errorf("sameButImages accepts: %s", name)
		}
	}
	if msg := sameButImages(before, []any{map[string]any{"image": "app:2", "other": "x", "n": 1}}, c, ""); msg != "" {
		t.Errorf("sameButImages rejects the image change: %s", msg)
	}
}
