package imagebuild

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// file is one entry of a COPY: the file at src (on this machine) that goes to dest (in the
// image, absolute).
type file struct {
	src, dest string
	info      fs.FileInfo
}

// ignorer reads the context's .dockerignore, as docker does for COPY from the context.
func ignorer(contextDir string) (*patternmatcher.PatternMatcher, error) {
	f, err := os.Open(filepath.Join(contextDir, ".dockerignore"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf(".dockerignore: %w", err)
	}
	return patternmatcher.New(patterns)
}

// files lists what COPY c copies, reading sources under dir (the context, or root for a
// --from stage). A wildcard that matches nothing copies nothing, as docker's COPY; a missing
// plain source is an error.
func files(c Copy, dir string, ignore *patternmatcher.PatternMatcher) ([]file, error) {
	var out []file
	skip := func(rel string) bool {
		if ignore == nil || rel == "." {
			return false
		}
		m, _ := ignore.MatchesOrParentMatches(filepath.ToSlash(rel))
		return m
	}
	for _, src := range c.Sources {
		rel := strings.TrimPrefix(path.Clean("/"+src), "/")
		if rel == "" {
			rel = "."
		}
		var matches []string
		if strings.ContainsAny(rel, "*?[") {
			m, err := filepath.Glob(filepath.Join(dir, rel))
			if err != nil {
				return nil, fmt.Errorf("line %d: COPY %s: %w", c.Line, src, err)
			}
			matches = m
		} else {
			matches = []string{filepath.Join(dir, rel)}
		}
		for _, m := range matches {
			mrel, err := filepath.Rel(dir, m)
			if err != nil || skip(mrel) {
				continue
			}
			info, err := os.Lstat(m)
			if err != nil {
				return nil, fmt.Errorf("line %d: COPY %s: %w", c.Line, src, err)
			}
			if !info.IsDir() {
				dest := c.Dest
				if c.DestDir {
					dest = path.Join(c.Dest, filepath.Base(m))
				}
				out = append(out, file{src: m, dest: dest, info: info})
				continue
			}
			err = filepath.WalkDir(m, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				r, _ := filepath.Rel(dir, p)
				if p != m && skip(r) {
					if d.IsDir() {
						return filepath.SkipDir
					}
					return nil
				}
				info, err := d.Info()
				if err != nil {
					return err
				}
				sub, _ := filepath.Rel(m, p)
				out = append(out, file{src: p, dest: path.Join(c.Dest, filepath.ToSlash(sub)), info: info})
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("line %d: COPY %s: %w", c.Line, src, err)
			}
		}
	}
	return out, nil
}

// entry is one tar entry of the layer; src is read for a regular file's content.
type entry struct {
	hdr tar.Header
	src string
}

// layer collects entries and writes them as one tar, ordered by name, so the same files give
// the same bytes.
type layer struct {
	entries map[string]*entry
	// created is the time every entry and the config carry (the commit's).
	created time.Time
}

func newLayer(created time.Time) *layer {
	return &layer{entries: map[string]*entry{}, created: created}
}

// header builds the tar header of info at name; link is a symlink's target.
func header(name string, info fs.FileInfo, link string) (*tar.Header, error) {
	h, err := tar.FileInfoHeader(info, link)
	if err != nil {
		return nil, err
	}
	h.Name = name
	h.Uname, h.Gname = "", ""
	h.AccessTime, h.ChangeTime = time.Time{}, time.Time{}
	h.Format = tar.FormatPAX
	if info.IsDir() {
		h.Name += "/"
	}
	return h, nil
}

// addCopy adds a COPY's file owned by uid:gid, dated created, with its mode or mode.
func (l *layer) addCopy(f file, uid, gid int, mode *int64) error {
	name := strings.TrimPrefix(f.dest, "/")
	if name == "" {
		return nil // the root itself: nothing to record
	}
	link := ""
	if f.info.Mode()&fs.ModeSymlink != 0 {
		var err error
		if link, err = os.Readlink(f.src); err != nil {
			return err
		}
	} else if !f.info.Mode().IsRegular() && !f.info.IsDir() {
		return fmt.Errorf("%s: not a file, directory or symlink", f.src)
	}
	h, err := header(name, f.info, link)
	if err != nil {
		return err
	}
	h.Uid, h.Gid = uid, gid
	h.ModTime = l.created
	if mode != nil && f.info.Mode()&fs.ModeSymlink == 0 {
		h.Mode = *mode
	}
	l.entries[name] = &entry{hdr: *h, src: f.src}
	l.parents(name, func(dir string) *tar.Header {
		return &tar.Header{Typeflag: tar.TypeDir, Name: dir + "/", Mode: 0o755, ModTime: l.created, Format: tar.FormatPAX}
	})
	return nil
}

// parents adds the missing parent directories of name, made by mk.
func (l *layer) parents(name string, mk func(dir string) *tar.Header) {
	for dir := path.Dir(name); dir != "." && dir != "/"; dir = path.Dir(dir) {
		if _, ok := l.entries[dir]; ok {
			return
		}
		if h := mk(dir); h != nil {
			l.entries[dir] = &entry{hdr: *h}
		}
	}
}

// snapshot adds every file under root, on root's own filesystem, whose status changed at or
// after since (the ctime of a mark made there before the steps ran), with its own metadata and
// their parent directories. Paths in skip (absolute, under root) are left out. Files the steps
// removed stay in the base: no whiteouts are written.
func (l *layer) snapshot(root string, since time.Time, skip []string) (int, error) {
	var rootStat syscall.Stat_t
	if err := syscall.Lstat(root, &rootStat); err != nil {
		return 0, err
	}
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
				return nil // a process's temporary file, or /proc-like corners
			}
			return err
		}
		for _, s := range skip {
			if p == s {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		var st syscall.Stat_t
		if err := syscall.Lstat(p, &st); err != nil {
			return nil
		}
		if st.Dev != rootStat.Dev { // another mount: /proc, /dev, the builds volume, secrets
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if p == root || time.Unix(st.Ctim.Unix()).Before(since) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if !info.Mode().IsRegular() && !info.IsDir() && info.Mode()&fs.ModeSymlink == 0 {
			return nil // sockets, fifos, devices
		}
		rel, _ := filepath.Rel(root, p)
		name := filepath.ToSlash(rel)
		h, err := l.statHeader(p, name, info)
		if err != nil {
			return err
		}
		l.entries[name] = &entry{hdr: *h, src: p}
		n++
		l.parents(name, func(dir string) *tar.Header {
			info, err := os.Lstat(filepath.Join(root, dir))
			if err != nil {
				return nil
			}
			h, err := l.statHeader("", dir, info)
			if err != nil {
				return nil
			}
			return h
		})
		return nil
	})
	return n, err
}

// statHeader is the header of a file as it is on disk (owner, mode and mtime kept); p is
// read for a symlink's target.
func (l *layer) statHeader(p, name string, info fs.FileInfo) (*tar.Header, error) {
	link := ""
	if info.Mode()&fs.ModeSymlink != 0 {
		var err error
		if link, err = os.Readlink(p); err != nil {
			return nil, err
		}
	}
	h, err := header(name, info, link)
	if err != nil {
		return nil, err
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		h.Uid, h.Gid = int(st.Uid), int(st.Gid)
	}
	h.ModTime = info.ModTime().Truncate(time.Second)
	return h, nil
}

// write writes the layer's tar to w, entries ordered by name.
func (l *layer) write(w io.Writer) error {
	names := make([]string, 0, len(l.entries))
	for n := range l.entries {
		names = append(names, n)
	}
	sort.Strings(names)
	tw := tar.NewWriter(w)
	for _, n := range names {
		e := l.entries[n]
		if err := tw.WriteHeader(&e.hdr); err != nil {
			return fmt.Errorf("layer: %s: %w", n, err)
		}
		if e.hdr.Typeflag != tar.TypeReg {
			continue
		}
		f, err := os.Open(e.src)
		if err != nil {
			return fmt.Errorf("layer: %w", err)
		}
		_, err = io.CopyN(tw, f, e.hdr.Size)
		f.Close()
		if err != nil {
			return fmt.Errorf("layer: %s changed while it was read: %w", e.src, err)
		}
	}
	return tw.Close()
}
