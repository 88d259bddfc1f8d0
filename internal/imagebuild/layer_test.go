package imagebuild

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func write(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}

func entries(t *testing.T, b []byte) map[string]*tar.Header {
	t.Helper()
	out := map[string]*tar.Header{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = h
	}
}

// A COPY's layer is the same bytes whenever the files are: names ordered, owner and time
// fixed, whatever the files' own times; .dockerignore is honoured.
func TestCopyLayerIsReproducible(t *testing.T) {
	created := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	layerOf := func(mtime time.Time) []byte {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "out", "app"), "#!/bin/sh\necho app\n")
		write(t, filepath.Join(dir, "out", "b.txt"), "b")
		write(t, filepath.Join(dir, "out", "secret.env"), "TOKEN=x")
		write(t, filepath.Join(dir, ".dockerignore"), "out/*.env\n")
		for _, n := range []string{"out/app", "out/b.txt", "out"} {
			if err := os.Chtimes(filepath.Join(dir, n), mtime, mtime); err != nil {
				t.Fatal(err)
			}
		}
		ig, err := ignorer(dir)
		if err != nil {
			t.Fatal(err)
		}
		l := newLayer(created)
		list, err := files(Copy{Sources: []string{"out"}, Dest: "/usr/local/share/app", DestDir: true}, dir, ig)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range list {
			if err := l.addCopy(f, 1000, 1000, nil); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := l.write(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	a := layerOf(time.Now().Add(-time.Hour))
	b := layerOf(time.Now())
	if !bytes.Equal(a, b) {
		t.Fatal("the same files with other mtimes gave another layer")
	}
	got := entries(t, a)
	app := got["usr/local/share/app/app"]
	if app == nil || app.Uid != 1000 || !app.ModTime.Equal(created) || app.Mode&0o111 == 0 {
		t.Fatalf("usr/local/share/app/app: %+v (entries %v)", app, got)
	}
	if got["usr/local/share/app/secret.env"] != nil {
		t.Error(".dockerignore'd file is in the layer")
	}
	if d := got["usr/local/"]; d == nil || d.Typeflag != tar.TypeDir || d.Uid != 0 {
		t.Errorf("parent usr/local/: %+v", d)
	}
}

// A snapshot takes the files changed after the mark, their parents, and nothing else.
func TestSnapshotTakesWhatTheStepsChanged(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "opt/stack/config.yaml"), "system-ghc: true\n")
	write(t, filepath.Join(root, "usr/bin/ghc"), "ghc")
	work := filepath.Join(root, "tmp", "glcd-work")
	// the mark is made again until the file system's clock has moved past the files above (it
	// ticks coarsely): in a job, the base's files are unpacked long before the mark
	var before, st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(root, "usr/bin/ghc"), &before); err != nil {
		t.Fatal(err)
	}
	for st.Ctim.Nano() <= before.Ctim.Nano() {
		write(t, filepath.Join(work, "mark"), "")
		if err := syscall.Stat(filepath.Join(work, "mark"), &st); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(root, "opt/stack/snapshots/x/lib.a"), "compiled")
	write(t, filepath.Join(root, "src/stack.yaml"), "resolver: ghc-9.0.2\n")
	write(t, filepath.Join(work, "layer.tar"), "not in the layer")
	l := newLayer(time.Now())
	n, err := l.snapshot(root, time.Unix(st.Ctim.Unix()), []string{work})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := l.write(&buf); err != nil {
		t.Fatal(err)
	}
	got := entries(t, buf.Bytes())
	for _, want := range []string{"opt/stack/snapshots/x/lib.a", "src/stack.yaml", "opt/", "opt/stack/snapshots/x/"} {
		if got[want] == nil {
			t.Errorf("%s is not in the snapshot (%d changed: %v)", want, n, keys(got))
		}
	}
	for _, not := range []string{"usr/bin/ghc", "opt/stack/config.yaml", "tmp/glcd-work/layer.tar", "tmp/glcd-work/mark"} {
		if got[not] != nil {
			t.Errorf("%s is in the snapshot, unchanged or left out", not)
		}
	}
}

func keys(m map[string]*tar.Header) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
