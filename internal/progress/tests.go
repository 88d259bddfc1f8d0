package progress

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

// Tests reads `go test -json` and prints what `go test` prints without -json (each
// package's ok or FAIL line, a failed package's whole output), and after every quiet
// interval the packages still running, for how long, and their tests running.
type Tests struct {
	out   io.Writer
	label string
	start time.Time

	mu      sync.Mutex
	quiet   time.Time
	started map[string]time.Time            // running packages
	running map[string]map[string]time.Time // their running tests
	output  map[string][]string             // their output
	done    int
	failed  []string
}

// NewTests reports to out with label.
func NewTests(out io.Writer, label string) *Tests {
	now := time.Now()
	return &Tests{out: out, label: label, start: now, quiet: now, started: map[string]time.Time{},
		running: map[string]map[string]time.Time{}, output: map[string][]string{}}
}

// Read reads the stream to its end; a line that is not JSON (go's own messages) is printed as
// it is.
func (t *Tests) Read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		t.line(sc.Bytes(), time.Now())
	}
	return sc.Err()
}

func (t *Tests) line(b []byte, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var e event
	if len(b) == 0 || b[0] != '{' || json.Unmarshal(b, &e) != nil || e.Action == "" {
		fmt.Fprintf(t.out, "%s\n", b)
		t.quiet = now
		return
	}
	pkg := e.Package
	switch {
	case e.Action == "start" && e.Test == "":
		t.started[pkg] = now
	case e.Action == "run" && e.Test != "":
		if t.running[pkg] == nil {
			t.running[pkg] = map[string]time.Time{}
		}
		t.running[pkg][e.Test] = now
	case e.Action == "output" || e.Action == "build-output":
		t.output[pkg] = append(t.output[pkg], e.Output)
	case e.Test != "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
		delete(t.running[pkg], e.Test)
	case e.Test == "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
		lines := t.output[pkg]
		if e.Action == "fail" {
			t.failed = append(t.failed, pkg)
			fmt.Fprint(t.out, strings.Join(lines, ""))
		} else {
			// the summary go test prints: "ok  \tpkg\t1.2s" or "?   \tpkg\t[no test files]"
			for _, l := range lines {
				if strings.HasPrefix(l, "ok  ") || strings.HasPrefix(l, "?   ") {
					fmt.Fprint(t.out, l)
				}
			}
		}
		t.done++
		delete(t.started, pkg)
		delete(t.running, pkg)
		delete(t.output, pkg)
		t.quiet = now
	case e.Action == "build-fail":
		fmt.Fprint(t.out, strings.Join(t.output[pkg], ""))
		t.failed = append(t.failed, pkg+" (build)")
		delete(t.output, pkg)
		t.quiet = now
	}
}

// Check prints where the run is when nothing was printed for quiet before now.
func (t *Tests) Check(now time.Time, quiet time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.quiet) < quiet {
		return
	}
	var parts []string
	for _, pkg := range slices.Sorted(maps.Keys(t.started)) {
		p := fmt.Sprintf("%s %s", short(pkg), now.Sub(t.started[pkg]).Round(time.Second))
		var tests []string
		for _, name := range slices.Sorted(maps.Keys(t.running[pkg])) {
			if !strings.Contains(name, "/") { // subtests are in their parent's time
				tests = append(tests, fmt.Sprintf("%s %s", name, now.Sub(t.running[pkg][name]).Round(time.Second)))
			}
		}
		if len(tests) > 0 {
			p += " (" + strings.Join(tests, ", ") + ")"
		}
		parts = append(parts, p)
	}
	what := "building the test binaries"
	if len(parts) > 0 {
		what = "running " + strings.Join(parts, "; ")
	}
	fmt.Fprintf(t.out, "%s [%s] %d packages done; %s\n", t.label, now.Sub(t.start).Round(time.Second), t.done, what)
	t.quiet = now
}

// Failed are the packages that failed, in order.
func (t *Tests) Failed() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.failed)
}

func short(pkg string) string {
	if i := strings.Index(pkg, "/glcd/glcd/"); i >= 0 {
		return pkg[i+len("/glcd/glcd/"):]
	}
	return pkg
}
