package writeback

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/gitops"
	"gitlab.com/glcd/glcd/internal/manifest"
)

// File is a manifest the write-back changed, and how.
type File struct {
	Path  string `json:"path"`
	Edits []Edit `json:"edits"`
}

// Edit is one change in a manifest.
type Edit struct {
	Line  int    `json:"line"`
	Where string `json:"where"` // such as `Deployment/web, container "web" (spec.template.spec.containers[0].image)`
	Old   string `json:"old"`   // the bytes replaced ("" for an insertion)
	New   string `json:"new"`
}

// fileEdit is one selected manifest at one commit.
type fileEdit struct {
	entry gitops.TreeEntry
	src   []byte
	out   []byte
	edits []manifest.Edit
}

// edited is the change made to the manifests of one commit.
type edited struct {
	files []fileEdit // those that change, in path order
}

// report turns the edits into the result's form.
func (e *edited) report() []File {
	out := []File{}
	for _, f := range e.files {
		rf := File{Path: f.entry.Path}
		for _, ed := range f.edits {
			site := ed.Site
			site.File = ""
			where := strings.TrimSpace(strings.TrimPrefix(site.String(), fmt.Sprintf("line %d:", site.Line)))
			rf.Edits = append(rf.Edits, Edit{Line: ed.Line, Where: where, Old: ed.Old, New: ed.New})
		}
		out = append(out, rf)
	}
	return out
}

// diff is a unified diff of the changed files.
func (e *edited) diff() string {
	var b strings.Builder
	for _, f := range e.files {
		d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A: lines(f.src), B: lines(f.out),
			FromFile: "a/" + f.entry.Path, ToFile: "b/" + f.entry.Path, Context: 3,
		})
		if err != nil {
			d = fmt.Sprintf("(no diff of %s: %v)\n", f.entry.Path, err)
		}
		b.WriteString(d)
	}
	return b.String()
}

// lines splits text after each newline; a last line without one gets one, for the diff.
func lines(b []byte) []string {
	out := strings.SplitAfter(string(b), "\n")
	if out[len(out)-1] == "" {
		return out[:len(out)-1]
	}
	out[len(out)-1] += "\n"
	return out
}

// selection is what to edit: files and directories from the top of the tree ("" is the top).
type selection struct {
	files []string
	dirs  []string
}

func (s selection) pathspecs() []string {
	var out []string
	for _, d := range s.dirs {
		if d == "" {
			return nil // the whole tree
		}
		out = append(out, d)
	}
	return append(out, s.files...)
}

// edit applies the change to the selected manifests as they are in commit, reading and
// writing nothing but git objects.
func edit(ctx context.Context, repo *gitops.Repo, commit, where string, sel selection, change manifest.Change) (*edited, error) {
	entries, err := repo.ListTree(ctx, commit, sel.pathspecs())
	if err != nil {
		return nil, err
	}
	byPath := map[string]gitops.TreeEntry{}
	for _, e := range entries {
		byPath[e.Path] = e
	}
	var (
		probs    []string
		selected []gitops.TreeEntry
		seen     = map[string]bool{}
	)
	add := func(e gitops.TreeEntry) {
		if !seen[e.Path] {
			seen[e.Path] = true
			selected = append(selected, e)
		}
	}
	for _, f := range sel.files {
		e, ok := byPath[f]
		switch {
		case !ok && slices.ContainsFunc(entries, func(e gitops.TreeEntry) bool { return strings.HasPrefix(e.Path, f+"/") }):
			probs = append(probs, fmt.Sprintf("%s is a directory: give it with --dir", f))
		case !ok:
			probs = append(probs, fmt.Sprintf("%s does not exist in %s", f, where))
		case !regular(e):
			probs = append(probs, fmt.Sprintf("%s is not a regular file in %s (mode %s)", f, where, e.Mode))
		default:
			add(e)
		}
	}
	for _, d := range sel.dirs {
		n := 0
		for _, e := range entries {
			if (d == "" || strings.HasPrefix(e.Path, d+"/")) && regular(e) && yamlName(e.Path) {
				add(e)
				n++
			}
		}
		if n == 0 {
			shown := d
			if shown == "" {
				shown = "the checkout"
			}
			probs = append(probs, fmt.Sprintf("%s has no *.yaml or *.yml file in %s", shown, where))
		}
	}
	if len(probs) > 0 {
		return nil, exitcode.UsageError(fmt.Errorf("manifests: %s", strings.Join(probs, "; ")))
	}
	slices.SortFunc(selected, func(a, b gitops.TreeEntry) int { return strings.Compare(a.Path, b.Path) })

	ids := make([]string, len(selected))
	for i, e := range selected {
		ids[i] = e.Object
	}
	blobs, err := repo.ReadBlobs(ctx, ids)
	if err != nil {
		return nil, err
	}
	return apply(selected, blobs, change)
}

// apply runs manifest.SetImage on each file. The repository must appear in at least one of
// them; every problem in every file is reported at once, with the file's path.
func apply(selected []gitops.TreeEntry, blobs [][]byte, change manifest.Change) (*edited, error) {
	var (
		res      edited
		errs     []error
		problems []manifest.Problem
		images   []manifest.Image
		notFound *manifest.NotFoundError
		found    bool
	)
	for i, e := range selected {
		out, edits, err := manifest.SetImage(blobs[i], change)
		var nf *manifest.NotFoundError
		var pe *manifest.ProblemsError
		switch {
		case errors.As(err, &nf):
			notFound = nf
			for _, img := range nf.Images {
				img.File = e.Path
				images = append(images, img)
			}
			continue
		case errors.As(err, &pe):
			for _, p := range pe.Problems {
				p.File = e.Path
				problems = append(problems, p)
			}
			found = true
			continue
		case err != nil && exitcode.Of(err) == exitcode.Usage:
			errs = append(errs, fmt.Errorf("%s: %w", e.Path, err))
			continue
		case err != nil:
			return nil, fmt.Errorf("%s: %w", e.Path, err)
		}
		found = true
		for j := range edits {
			edits[j].File = e.Path
		}
		if len(edits) > 0 {
			res.files = append(res.files, fileEdit{entry: e, src: blobs[i], out: out, edits: edits})
		}
	}
	if len(problems) > 0 {
		errs = append(errs, &manifest.ProblemsError{Problems: problems})
	}
	if len(errs) > 0 {
		return nil, exitcode.UsageError(errors.Join(errs...))
	}
	if !found {
		repo := change.Repository
		if notFound != nil {
			repo = notFound.Repository
		}
		return nil, exitcode.UsageError(&manifest.NotFoundError{Repository: repo, Images: images})
	}
	return &res, nil
}

func regular(e gitops.TreeEntry) bool {
	return e.Type == "blob" && (e.Mode == "100644" || e.Mode == "100755")
}

func yamlName(p string) bool {
	ext := strings.ToLower(path.Ext(p))
	return ext == ".yaml" || ext == ".yml"
}
