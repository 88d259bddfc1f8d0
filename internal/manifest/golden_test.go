package manifest

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.out.yaml and *.edits from the current code (review them before committing)")

// goldenCase is one testdata/golden/NAME.in.yaml with its NAME.change.json.
type goldenCase struct {
	name   string
	src    []byte
	change Change
}

func goldenCases(tb testing.TB) []goldenCase {
	tb.Helper()
	changes, err := filepath.Glob("testdata/golden/*.change.json")
	if err != nil || len(changes) == 0 {
		tb.Fatalf("no golden cases in testdata/golden (%v)", err)
	}
	var cases []goldenCase
	for _, cj := range changes {
		base := strings.TrimSuffix(cj, ".change.json")
		var c goldenCase
		c.name = filepath.Base(base)
		raw, err := os.ReadFile(cj)
		if err != nil {
			tb.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c.change); err != nil {
			tb.Fatalf("%s: %v", cj, err)
		}
		if c.src, err = os.ReadFile(base + ".in.yaml"); err != nil {
			tb.Fatalf("%s has no input: %v", cj, err)
		}
		cases = append(cases, c)
	}
	ins, _ := filepath.Glob("testdata/golden/*.in.yaml")
	if len(ins) != len(cases) {
		tb.Fatalf("%d inputs but %d .change.json files in testdata/golden", len(ins), len(cases))
	}
	return cases
}

// TestGolden applies each case's change and compares the bytes and the edits with the
// reviewed goldens; then checks that only the edits' spans differ and that a second run is
// a no-op.
func TestGolden(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			base := filepath.Join("testdata", "golden", c.name)
			out, edits, err := SetImage(c.src, c.change)
			if err != nil {
				t.Fatalf("SetImage: %v", err)
			}
			if len(edits) == 0 {
				t.Fatal("no edits: a golden case must change something")
			}
			golden(t, base+".out.yaml", out)
			golden(t, base+".edits", []byte(formatEdits(edits)))
			checkSpans(t, c.src, out, edits)

			again, edits2, err := SetImage(out, c.change)
			if err != nil {
				t.Fatalf("second SetImage: %v", err)
			}
			if len(edits2) != 0 || !bytes.Equal(again, out) {
				t.Errorf("second identical edit is not a no-op: %d edits, diff:\n%s", len(edits2), lineDiff(out, again))
			}
		})
	}
}

func formatEdits(edits []Edit) string {
	var b strings.Builder
	for _, e := range edits {
		fmt.Fprintf(&b, "%s: %q -> %q\n", e.Site, e.Old, e.New)
	}
	return b.String()
}

// golden compares got with the file, or rewrites the file under -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update, then review the file)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (- golden, + got):\n%s", path, lineDiff(want, got))
	}
}

// checkSpans asserts that out is src with each edit's Old replaced by its New, and nothing else.
func checkSpans(t *testing.T, src, out []byte, edits []Edit) {
	t.Helper()
	var b []byte
	last := 0
	for _, e := range edits {
		if e.Offset < last || e.Offset+len(e.Old) > len(src) {
			t.Fatalf("edit %+v overlaps the previous one or leaves the input", e)
		}
		if got := string(src[e.Offset : e.Offset+len(e.Old)]); got != e.Old {
			t.Fatalf("edit at %s says it replaces %q but the input has %q there", e.Site, e.Old, got)
		}
		b = append(append(b, src[last:e.Offset]...), e.New...)
		last = e.Offset + len(e.Old)
	}
	b = append(b, src[last:]...)
	if !bytes.Equal(b, out) {
		t.Fatalf("the output differs from the input outside the edits' spans:\n%s", lineDiff(b, out))
	}
}

// lineDiff is a line diff of a and b with lines quoted, so CR, tabs and a missing final
// newline show.
func lineDiff(a, b []byte) string {
	x, y := splitLines(a), splitLines(b)
	// Longest common subsequence table, from the ends.
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var d strings.Builder
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			i, j = i+1, j+1
		case i < len(x) && (j == len(y) || lcs[i+1][j] >= lcs[i][j+1]):
			fmt.Fprintf(&d, "-%4d %q\n", i+1, x[i])
			i++
		default:
			fmt.Fprintf(&d, "+%4d %q\n", j+1, y[j])
			j++
		}
	}
	return d.String()
}

func splitLines(b []byte) []string {
	lines := strings.SplitAfter(string(b), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}
