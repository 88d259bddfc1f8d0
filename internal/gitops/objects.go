package gitops

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gitlab.com/glcd/glcd/internal/exitcode"
)

// Ident is an author, committer or tagger.
type Ident struct {
	Name  string
	Email string
}

func (id Ident) String() string { return fmt.Sprintf("%s <%s>", id.Name, id.Email) }

// Check reports an identity git would refuse or mangle.
func (id Ident) Check(what string) error {
	switch {
	case strings.TrimSpace(id.Name) == "":
		return fmt.Errorf("%s name is empty", what)
	case strings.TrimSpace(id.Email) == "":
		return fmt.Errorf("%s email is empty", what)
	case strings.ContainsAny(id.Name, "<>\n\x00"), strings.ContainsAny(id.Email, "<>\n\x00 "):
		return fmt.Errorf("%s %q: names and emails cannot hold <, >, spaces in the email, or line breaks", what, id.String())
	}
	return nil
}

// TopLevel returns the root of the checkout's working tree.
func (r *Repo) TopLevel(ctx context.Context) (string, error) {
	top, err := r.gitString(ctx, call{args: []string{"rev-parse", "--show-toplevel"}, op: "find the checkout in " + r.Dir})
	if err != nil {
		return "", exitcode.UsageError(fmt.Errorf("%s is not a git checkout: %w", r.Dir, err))
	}
	return top, nil
}

// RevParse resolves rev to an object id; found is false when it does not exist.
func (r *Repo) RevParse(ctx context.Context, rev string) (id string, found bool, err error) {
	out, err := r.git(ctx, call{args: []string{"rev-parse", "--verify", "--quiet", "--end-of-options", rev}, op: "resolve " + rev})
	var ge *Error
	if errors.As(err, &ge) && ge.ExitCode == 1 && ge.Kind == KindGit {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return strings.TrimSpace(string(out)), true, nil
}

// Has reports whether the object exists in the repository.
func (r *Repo) Has(ctx context.Context, object string) (bool, error) {
	_, err := r.git(ctx, call{args: []string{"cat-file", "-e", object}, op: "look for object " + object})
	var ge *Error
	if errors.As(err, &ge) && ge.Kind == KindGit {
		return false, nil
	}
	return err == nil, err
}

// CurrentBranch returns the branch HEAD is on, or "" when HEAD is detached.
func (r *Repo) CurrentBranch(ctx context.Context) (string, error) {
	out, err := r.git(ctx, call{args: []string{"symbolic-ref", "--quiet", "--short", "HEAD"}, op: "read HEAD"})
	var ge *Error
	if errors.As(err, &ge) && ge.ExitCode == 1 {
		return "", nil
	}
	return strings.TrimSpace(string(out)), err
}

// TreeEntry is one entry of a tree listing.
type TreeEntry struct {
	Mode   string // 100644, 100755, 120000, 160000, 040000
	Type   string // blob, tree, commit
	Object string
	Path   string // from the top of the tree
}

// ListTree lists the files of commit under paths (files or directories, from the top of the
// tree), recursively. Paths are literal: no glob patterns.
func (r *Repo) ListTree(ctx context.Context, commit string, paths []string) ([]TreeEntry, error) {
	args := append([]string{"ls-tree", "-r", "-z", "--full-tree", commit, "--"}, paths...)
	out, err := r.git(ctx, call{args: args, env: []string{"GIT_LITERAL_PATHSPECS=1"}, op: "list the files of " + short(commit)})
	if err != nil {
		return nil, err
	}
	var entries []TreeEntry
	for _, rec := range strings.Split(string(out), "\x00") {
		if rec == "" {
			continue
		}
		meta, path, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 3 {
			return nil, fmt.Errorf("list the files of %s: cannot read %q", short(commit), rec)
		}
		entries = append(entries, TreeEntry{Mode: f[0], Type: f[1], Object: f[2], Path: path})
	}
	return entries, nil
}

// ReadBlobs returns the contents of the blobs, in order, in one git process.
func (r *Repo) ReadBlobs(ctx context.Context, objects []string) ([][]byte, error) {
	if len(objects) == 0 {
		return nil, nil
	}
	in := strings.Join(objects, "\n") + "\n"
	out, err := r.git(ctx, call{args: []string{"cat-file", "--batch"}, stdin: strings.NewReader(in), op: "read files"})
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(bytes.NewReader(out))
	blobs := make([][]byte, 0, len(objects))
	for _, obj := range objects {
		header, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("read object %s: %w", obj, err)
		}
		f := strings.Fields(header)
		if len(f) != 3 || f[1] != "blob" {
			return nil, fmt.Errorf("read object %s: git answered %q", obj, strings.TrimSpace(header))
		}
		n, err := strconv.Atoi(f[2])
		if err != nil {
			return nil, fmt.Errorf("read object %s: %w", obj, err)
		}
		b := make([]byte, n+1) // the content and its newline
		if _, err := io.ReadFull(br, b); err != nil {
			return nil, fmt.Errorf("read object %s: %w", obj, err)
		}
		blobs = append(blobs, b[:n])
	}
	return blobs, nil
}

// WriteBlobs stores the contents as blobs, byte for byte (no filters), and returns their
// ids: one git fast-import for all of them, with no temporary files.
func (r *Repo) WriteBlobs(ctx context.Context, contents [][]byte) ([]string, error) {
	if len(contents) == 0 {
		return nil, nil
	}
	var in bytes.Buffer
	for i, c := range contents {
		fmt.Fprintf(&in, "blob\nmark :%d\ndata %d\n", i+1, len(c))
		in.Write(c)
		fmt.Fprintf(&in, "\nget-mark :%d\n", i+1)
	}
	in.WriteString("done\n")
	out, err := r.gitString(ctx, call{args: []string{"fast-import", "--quiet", "--done"}, stdin: &in, op: "store the edited files"})
	if err != nil {
		return nil, err
	}
	ids := strings.Fields(out)
	if len(ids) != len(contents) {
		return nil, fmt.Errorf("store the edited files: git returned %d ids for %d files", len(ids), len(contents))
	}
	return ids, nil
}

// CommitSpec is a commit to make on top of Parent, without touching the checkout.
type CommitSpec struct {
	Parent    string
	Changes   []TreeEntry // files to set (mode, blob, path); the rest of Parent's tree stays
	Message   string
	Author    Ident
	Committer Ident
}

// Commit writes the commit and returns its id. It uses a temporary index: the checkout's
// index, working tree and refs stay as they are.
func (r *Repo) Commit(ctx context.Context, s CommitSpec) (string, error) {
	tmp, err := os.MkdirTemp("", "glcd-index-")
	if err != nil {
		return "", fmt.Errorf("commit: %w", err)
	}
	defer os.RemoveAll(tmp)
	index := []string{"GIT_INDEX_FILE=" + filepath.Join(tmp, "index")}
	if _, err := r.git(ctx, call{args: []string{"read-tree", s.Parent}, env: index, op: "read the tree of " + short(s.Parent)}); err != nil {
		return "", err
	}
	var info strings.Builder
	for _, c := range s.Changes {
		fmt.Fprintf(&info, "%s %s\t%s\x00", c.Mode, c.Object, c.Path)
	}
	if _, err := r.git(ctx, call{args: []string{"update-index", "-z", "--index-info"}, env: index,
		stdin: strings.NewReader(info.String()), op: "stage the edited files"}); err != nil {
		return "", err
	}
	tree, err := r.gitString(ctx, call{args: []string{"write-tree"}, env: index, op: "write the tree"})
	if err != nil {
		return "", err
	}
	ids := append([]string{
		"GIT_AUTHOR_NAME=" + s.Author.Name, "GIT_AUTHOR_EMAIL=" + s.Author.Email,
		"GIT_COMMITTER_NAME=" + s.Committer.Name, "GIT_COMMITTER_EMAIL=" + s.Committer.Email,
	}, r.dates()...)
	return r.gitString(ctx, call{args: []string{"commit-tree", tree, "-p", s.Parent, "-F", "-"}, env: ids,
		stdin: strings.NewReader(s.Message), op: "commit"})
}

// dates sets the author and committer dates from Now when a clock is injected.
func (r *Repo) dates() []string {
	if r.Now == nil {
		return nil
	}
	d := gitDate(r.Now())
	return []string{"GIT_AUTHOR_DATE=" + d, "GIT_COMMITTER_DATE=" + d}
}

func gitDate(t time.Time) string { return fmt.Sprintf("%d %s", t.Unix(), t.Format("-0700")) }

// TagSpec is an annotated tag to make.
type TagSpec struct {
	Object  string // a commit
	Name    string // without refs/tags/
	Message string
	Tagger  Ident
}

// MakeTag writes an annotated tag object and returns its id; no ref is created.
func (r *Repo) MakeTag(ctx context.Context, s TagSpec) (string, error) {
	msg := s.Message
	if !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	obj := fmt.Sprintf("object %s\ntype commit\ntag %s\ntagger %s %s\n\n%s", s.Object, s.Name, s.Tagger, gitDate(r.now()), msg)
	return r.gitString(ctx, call{args: []string{"mktag"}, stdin: strings.NewReader(obj), op: "make tag " + s.Name})
}

// UpdateRef sets ref to object. old, when not nil, must be the ref's current value ("" for
// a ref that must not exist).
func (r *Repo) UpdateRef(ctx context.Context, ref, object string, old *string) error {
	args := []string{"update-ref", "-m", "glcd", ref, object}
	if old != nil {
		o := *old
		if o == "" {
			o = strings.Repeat("0", len(object))
		}
		args = append(args, o)
	}
	_, err := r.git(ctx, call{args: args, op: "update " + ref})
	return err
}

// DeleteRef deletes ref if it exists.
func (r *Repo) DeleteRef(ctx context.Context, ref string) error {
	_, err := r.git(ctx, call{args: []string{"update-ref", "-d", ref}, op: "delete " + ref})
	return err
}

// FastForward moves HEAD (detached, or its branch) to commit and updates the working tree,
// only if commit descends from HEAD and no local change is in the way.
func (r *Repo) FastForward(ctx context.Context, commit string) error {
	_, err := r.git(ctx, call{args: []string{"merge", "--ff-only", "--quiet", commit}, op: "move the checkout to " + short(commit)})
	return err
}

// Modified returns the paths among paths with uncommitted changes in the checkout.
func (r *Repo) Modified(ctx context.Context, top string, paths []string) ([]string, error) {
	args := append([]string{"-C", top, "status", "--porcelain=v1", "-z", "--untracked-files=no", "--"}, paths...)
	out, err := r.git(ctx, call{args: args, env: []string{"GIT_LITERAL_PATHSPECS=1"}, op: "look for local changes"})
	if err != nil {
		return nil, err
	}
	var mod []string
	for _, rec := range strings.Split(string(out), "\x00") {
		if len(rec) > 3 {
			mod = append(mod, rec[3:])
		}
	}
	return mod, nil
}

// short abbreviates an object id for messages.
func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// Short abbreviates an object id to 12 characters, for messages.
func Short(id string) string { return short(id) }
