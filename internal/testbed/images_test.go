package testbed

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// Test beds of several packages start at once: one rebuilds the base archives while another
// imports them. Every archive a reader opens, before, during or after a rebuild, is whole.
func TestBaseImagesAreReplacedWhole(t *testing.T) {
	dir := t.TempDir()
	paths, err := baseImages(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	var rebuilding atomic.Bool
	rebuilding.Store(true)
	done := make(chan error, 1)
	go func() {
		defer rebuilding.Store(false)
		for range 4 {
			if _, err := baseImages(context.Background(), dir); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	reads := 0
	for rebuilding.Load() || reads == 0 {
		for _, p := range paths {
			if err := wholeArchive(p); err != nil {
				t.Fatalf("read %d of %s: %v", reads, filepath.Base(p), err)
			}
			reads++
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	left, err := filepath.Glob(filepath.Join(dir, ".new-*"))
	if err != nil || len(left) > 0 {
		t.Errorf("build folders left behind: %v %v", left, err)
	}
	t.Logf("%d whole reads during 4 rebuilds", reads)
}

// wholeArchive reads a docker-archive tarball to its end: its three entries, each as long as
// its header says.
func wholeArchive(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	entries := 0
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("after %d entries: %w", entries, err)
		}
		n, err := io.Copy(io.Discard, tr)
		if err != nil || n != h.Size {
			return fmt.Errorf("%s: %d of %d bytes: %v", h.Name, n, h.Size, err)
		}
		entries++
	}
	if entries != 3 {
		return fmt.Errorf("%d entries, want manifest.json, config.json and layer.tar", entries)
	}
	return nil
}
