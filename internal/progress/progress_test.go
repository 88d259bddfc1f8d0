package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestProgressPrintsStepsAndBreaksSilence(t *testing.T) {
	var out bytes.Buffer
	p := New(&out, "image build", time.Hour) // the ticker never fires: check is driven here
	start := p.start
	p.Write([]byte("[1/2] STEP 1/15: FROM localhost/glcd/debian:bookworm-minbase AS build\n--> Using cache 1234\nI: Retrieving libc6 2.36"))
	p.Write([]byte("-9\nI: Extracting libc6...\n[1/2] STEP 15/15: RUN go build -trimpath -o /out/glcd " + strings.Repeat("-X a=b ", 30) + "\n"))
	p.check(start.Add(30*time.Second), time.Minute) // not quiet long enough
	p.Write([]byte("compiling\n"))
	p.check(start.Add(2*time.Minute), time.Minute)
	p.Stop()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines:\n%s", len(lines), out.String())
	}
	for i, want := range []string{
		"image build [0s] [1/2] STEP 1/15: FROM localhost/glcd/debian:bookworm-minbase AS build",
		"image build [0s] [1/2] STEP 15/15: RUN go build -trimpath -o /out/glcd -X a=b",
		"image build [2m0s] still running (5 lines so far), the last: compiling",
		"image build [",
	} {
		if !strings.HasPrefix(lines[i], want) {
			t.Errorf("line %d: %q, want it to start with %q", i+1, lines[i], want)
		}
	}
	if len(lines[1]) > len("image build [0s] ")+110+2 || !strings.HasSuffix(lines[1], "…") {
		t.Errorf("a long STEP line is not shortened: %q", lines[1])
	}
	if !strings.HasSuffix(lines[3], "] done") {
		t.Errorf("last line %q", lines[3])
	}
}
