// Package progress keeps a long step talking: a writer that condenses a log into milestones
// and a line whenever it has been quiet too long, and a reporter of `go test -json` that says
// which packages and tests are running.
package progress

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Progress condenses a log (podman's STEP lines, debootstrap's and apt's output, a silent go
// build) into what a person waiting needs: each milestone line as it comes, and after every
// quiet interval a line saying how long it has run and the last thing the log said. It is safe
// for concurrent writes.
type Progress struct {
	out   io.Writer
	label string
	// Milestone says which lines are printed as they come (default: podman's STEP lines);
	// Echo prints every line.
	Milestone func(line string) bool
	Echo      bool
	lines     int
	start     time.Time
	mu        sync.Mutex
	partial   []byte
	last      string
	quiet     time.Time
	done      chan struct{}
	stopped   chan struct{}
}

// New reports to out, prefixing each line with label and the time since it started;
// quiet is the longest it stays silent (a minute at most is what a waiting person needs).
// Stop ends its ticker.
func New(out io.Writer, label string, quiet time.Duration) *Progress {
	p := &Progress{out: out, label: label, start: time.Now(), quiet: time.Now(), done: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		defer close(p.stopped)
		t := time.NewTicker(quiet / 10)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				return
			case now := <-t.C:
				p.check(now, quiet)
			}
		}
	}()
	return p
}

// check prints the quiet line when nothing was printed for quiet before now.
func (p *Progress) check(now time.Time, quiet time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if now.Sub(p.quiet) < quiet {
		return
	}
	what := "starting"
	if p.last != "" {
		what = fmt.Sprintf("still running (%d lines so far), the last: %s", p.lines, p.last)
	}
	p.printfAt(now, "%s", what)
}

// Write takes log output; milestones (podman's STEP lines) are printed at once.
func (p *Progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.partial = append(p.partial, b...)
	for {
		i := bytes.IndexByte(p.partial, '\n')
		if i < 0 {
			break
		}
		raw := string(p.partial[:i+1])
		line := strings.TrimSpace(raw)
		p.partial = p.partial[i+1:]
		if p.Echo {
			io.WriteString(p.out, raw)
			p.quiet = time.Now()
		}
		if line == "" || strings.HasPrefix(line, "-->") {
			continue
		}
		p.lines++
		p.last = shorten(line, 110)
		milestone := p.Milestone
		if milestone == nil {
			milestone = func(l string) bool { return strings.Contains(l, "STEP ") }
		}
		if !p.Echo && milestone(line) {
			p.printf("%s", p.last)
		}
	}
	return len(b), nil
}

// Stop ends the ticker and, unless it echoes, says how long it took.
func (p *Progress) Stop() {
	close(p.done)
	<-p.stopped
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.Echo {
		p.out.Write(p.partial) // a last line without its newline
		return
	}
	p.printf("done")
}

func (p *Progress) printf(format string, a ...any) { p.printfAt(time.Now(), format, a...) }

func (p *Progress) printfAt(now time.Time, format string, a ...any) {
	fmt.Fprintf(p.out, "%s [%s] %s\n", p.label, now.Sub(p.start).Round(time.Second), fmt.Sprintf(format, a...))
	p.quiet = now
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
