package manifest

import (
	"errors"
	"fmt"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
)

// SetImage sets the tag and/or digest of every use of change.Repository in the YAML stream
// src and returns the new bytes and the edits made, in stream order. Only the bytes of tags
// and digests change (plus a newTag:/digest: line added to a kustomization entry that lacks
// it). Nothing to change gives src itself and no edits.
//
// Errors carry exit code 2 (exitcode.Usage): a *NotFoundError when the repository appears
// nowhere, a *ProblemsError listing every use that cannot be changed in place, invalid YAML,
// or an invalid change. The edited text is parsed again before it is returned; should it not
// read back as intended (a bug in glcd), the error carries exit code 1 and no text.
func SetImage(src []byte, change Change) (out []byte, edits []Edit, err error) {
	c, err := change.validate()
	if err != nil {
		return nil, nil, err
	}
	r, err := setImage("", src, c)
	if err != nil {
		return nil, nil, classify(err)
	}
	if err := complete(c, r.found, r.images, r.tookTag, r.tookDigest); err != nil {
		return nil, nil, err
	}
	return r.out, r.edits, nil
}

// Images lists every use of an image in the YAML stream src, in stream order.
func Images(src []byte) ([]Image, error) {
	docs, err := parse(src)
	if err != nil {
		return nil, exitcode.UsageError(err)
	}
	l := locate("", newText(src), docs)
	if len(l.problems) > 0 {
		return nil, exitcode.UsageError(&ProblemsError{Problems: l.problems})
	}
	return images(l.uses), nil
}

func images(uses []use) []Image {
	imgs := make([]Image, len(uses))
	for i, u := range uses {
		imgs[i] = u.Image
	}
	return imgs
}

// FileResult is what SetImageFiles did to one file.
type FileResult struct {
	Path  string
	Src   []byte // the file as read
	Out   []byte // the edited file: Src itself when Edits is empty
	Edits []Edit // with Site.File set to Path
}

// Changed says whether the file's bytes change.
func (r FileResult) Changed() bool { return len(r.Edits) > 0 }

// SetImageFiles applies change to each file and returns the results in the order of paths,
// writing nothing. The repository must appear in at least one file; every problem in every
// file is reported at once, with the file's path.
func SetImageFiles(paths []string, change Change) ([]FileResult, error) {
	c, err := change.validate()
	if err != nil {
		return nil, err
	}
	var (
		results             []FileResult
		errs                []error
		problems            []Problem
		found               []Site
		imgs                []Image
		tookTag, tookDigest bool
		seen                = map[string]bool{}
	)
	for _, path := range paths {
		if seen[path] {
			continue
		}
		seen[path] = true
		src, err := ci.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("read manifest: %w", err))
			continue
		}
		r, err := setImage(path, src, c)
		var pe *ProblemsError
		switch {
		case errors.As(err, &pe):
			problems = append(problems, pe.Problems...)
			continue
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
			continue
		}
		results = append(results, FileResult{Path: path, Src: src, Out: r.out, Edits: r.edits})
		found = append(found, r.found...)
		imgs = append(imgs, r.images...)
		tookTag, tookDigest = tookTag || r.tookTag, tookDigest || r.tookDigest
	}
	if len(problems) > 0 {
		errs = append(errs, &ProblemsError{Problems: problems})
	}
	if len(errs) > 0 {
		return nil, classify(errors.Join(errs...))
	}
	if err := complete(c, found, imgs, tookTag, tookDigest); err != nil {
		return nil, err
	}
	return results, nil
}

// classify gives err its exit code: a failed self-check is glcd's failure (1), the rest is
// bad input (2).
func classify(err error) error {
	if errors.Is(err, errEditDidNotHold) {
		return exitcode.FailedError(err)
	}
	return exitcode.UsageError(err)
}

// result is what setImage did to one stream.
type result struct {
	out                 []byte
	edits               []Edit
	images              []Image
	found               []Site // the uses of the repository
	tookTag, tookDigest bool
}

// setImage plans and applies the change to one stream, and checks that the result reads back
// with the change done.
func setImage(file string, src []byte, c change) (*result, error) {
	docs, err := parse(src)
	if err != nil {
		return nil, err
	}
	t := newText(src)
	l := locate(file, t, docs)
	p := plan(t, l.uses, c)
	if probs := append(l.problems, p.problems...); len(probs) > 0 {
		return nil, &ProblemsError{Problems: probs}
	}
	r := &result{out: src, images: images(l.uses), found: p.found, tookTag: p.tookTag, tookDigest: p.tookDigest}
	if len(p.patches) == 0 {
		return r, nil
	}
	if r.out, err = apply(src, p.patches); err != nil {
		return nil, err
	}
	for _, pt := range p.patches {
		r.edits = append(r.edits, pt.Edit)
	}
	if err := verify(file, r.out, c, len(p.found)); err != nil {
		return nil, err
	}
	return r, nil
}

// apply splices the patches, sorted by offset, into src.
func apply(src []byte, patches []patch) ([]byte, error) {
	n := len(src)
	for _, p := range patches {
		n += len(p.New) - len(p.Old)
	}
	out := make([]byte, 0, n)
	last := 0
	for _, p := range patches {
		if p.Offset < last || string(src[p.Offset:p.end]) != p.Old {
			return nil, fmt.Errorf("%w: overlapping or misplaced edit at %s", errEditDidNotHold, p.Site)
		}
		out = append(append(out, src[last:p.Offset]...), p.New...)
		last = p.end
	}
	return append(out, src[last:]...), nil
}

// verify reads the edited stream back: it must parse, use the repository as often, and need
// no further edit.
func verify(file string, out []byte, c change, found int) error {
	docs, err := parse(out)
	if err != nil {
		return fmt.Errorf("%w: %v", errEditDidNotHold, err)
	}
	t := newText(out)
	l := locate(file, t, docs)
	p := plan(t, l.uses, c)
	switch {
	case len(l.problems)+len(p.problems) > 0:
		return fmt.Errorf("%w: %v", errEditDidNotHold, &ProblemsError{Problems: append(l.problems, p.problems...)})
	case len(p.patches) > 0:
		return fmt.Errorf("%w: %s still needs %q → %q", errEditDidNotHold, p.patches[0].Site, p.patches[0].Old, p.patches[0].New)
	case len(p.found) != found:
		return fmt.Errorf("%w: the repository is used %d times after the edit, %d before", errEditDidNotHold, len(p.found), found)
	}
	return nil
}

// complete checks the outcome over all streams: the repository must appear, and every part of
// the change must have found a place.
func complete(c change, found []Site, imgs []Image, tookTag, tookDigest bool) error {
	switch {
	case len(found) == 0:
		return exitcode.UsageError(&NotFoundError{Repository: c.repo, Images: imgs})
	case c.tag != "" && !tookTag:
		return exitcode.UsageError(&ProblemsError{Problems: []Problem{{Site: found[0], Reason: fmt.Sprintf(
			"no place for tag %s: %s appears only as digest values marked with # glcd:image; mark its tag value "+
				"the same way, or give only a digest", c.tag, c.repo)}}})
	case c.digest != "" && !tookDigest:
		return exitcode.UsageError(&ProblemsError{Problems: []Problem{{Site: found[0], Reason: fmt.Sprintf(
			"no place for digest %s: %s appears only as tag values marked with # glcd:image; add a digest value "+
				"marked the same way, or give only a tag", c.digest, c.repo)}}})
	}
	return nil
}
