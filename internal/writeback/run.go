package writeback

import (
	"cmp"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/clock"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/gitops"
)

// Defaults of Options.
const (
	DefaultTries     = 8
	DefaultRetryWait = 250 * time.Millisecond
	DefaultMaxWait   = 30 * time.Second
)

// Options tune Run.
type Options struct {
	// Repo is the checkout of the infra repository, and how git runs in it.
	Repo *gitops.Repo
	// Tries bounds the attempts of a push that keeps losing races (default DefaultTries).
	Tries int
	// RetryWait and MaxWait bound the backoff. Before try n (n ≥ 2) Run waits a random
	// time in [0, w) ("full jitter"), w = b·2^(n-2) capped at MaxWait, where b is the larger
	// of RetryWait and twice the duration of the last try: the window scales with how long
	// a try takes against this server, which is how long a rival holds the branch.
	RetryWait, MaxWait time.Duration
	// Rand draws from [0,1) for the jitter; nil uses math/rand/v2.
	Rand func() float64
	// Sleep waits; nil waits on a timer. It returns ctx.Err() if ctx ends first.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock that times the tries; nil means time.Now.
	Now func() time.Time
	// Progress receives the human account (stderr).
	Progress io.Writer
}

// Status is what a write-back did.
type Status string

// The outcomes of Run.
const (
	StatusPushed    Status = "pushed"    // a new commit on the branch, the tag moved to it
	StatusTagMoved  Status = "tag-moved" // the branch already had the image: only the tag moved
	StatusUnchanged Status = "unchanged" // the branch had the image and the tag was on its tip
	StatusDryRun    Status = "dry-run"   // nothing pushed: Diff shows what would change
)

// Result is the outcome of a write-back.
type Result struct {
	Status Status `json:"status"`
	Remote string `json:"remote"`
	Branch string `json:"branch"`
	Image  string `json:"image"`
	// Commit is the commit the tag points at now: the new commit, or the branch tip.
	Commit string `json:"commit"`
	// Parent is the branch tip the commit was made on (or found unchanged).
	Parent string `json:"parent"`
	Tag    string `json:"tag"`
	// TagObject is the new annotated tag's id; empty when the tag did not move.
	TagObject string `json:"tagObject,omitempty"`
	// PreviousTag is the commit the tag pointed at before, if it existed.
	PreviousTag string `json:"previousTag,omitempty"`
	Files       []File `json:"files"`
	// Tries is how many attempts the push took (1 when no other pipeline got in the way).
	Tries int `json:"tries"`
	// Checkout says what happened to the local checkout after the push.
	Checkout string `json:"checkout,omitempty"`
	// Diff is the unified diff of the edit (always for a dry run).
	Diff     string   `json:"diff,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// Dotenv is the result as KEY=value pairs for artifacts:reports:dotenv.
func (r *Result) Dotenv() [][2]string {
	return [][2]string{{"GLCD_WRITEBACK_COMMIT", r.Commit}, {"GLCD_WRITEBACK_TAG", r.Tag}, {"GLCD_WRITEBACK_STATUS", string(r.Status)}}
}

// Run does the write-back planned by p in the checkout opts.Repo.
//
// Each try lists the remote branch and tag, fetches the branch tip if it is not in the
// checkout already, edits the manifests of that tip, commits the result on it (with a
// temporary index), makes the annotated tag, and pushes both atomically, each with a lease
// on the value it was based on. A push that lost a race is tried again on the new tip after
// a jittered backoff, at most opts.Tries times. Only after a push succeeded does the checkout
// change: the tag ref is set and HEAD (detached, or on the target branch) moves to the
// commit when that is a fast-forward that no local change is in the way of.
func Run(ctx context.Context, p *Plan, opts Options) (*Result, error) {
	w, err := newWriter(ctx, p, opts)
	if err != nil {
		return nil, err
	}
	if p.DryRun {
		return w.dryRun(ctx)
	}
	return w.run(ctx)
}

type writer struct {
	p     *Plan
	o     Options
	repo  *gitops.Repo
	sel   selection
	top   string
	local []string // the selected files and directories, from the top, for the local-changes warning
	warn  []string
	shown int // how many of warn were printed
}

func newWriter(ctx context.Context, p *Plan, o Options) (*writer, error) {
	if o.Repo == nil {
		return nil, errors.New("writeback: no repository")
	}
	if o.Tries <= 0 {
		o.Tries = DefaultTries
	}
	if o.RetryWait <= 0 {
		o.RetryWait = DefaultRetryWait
	}
	if o.MaxWait <= 0 {
		o.MaxWait = DefaultMaxWait
	}
	if o.MaxWait < o.RetryWait {
		o.MaxWait = o.RetryWait
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	if o.Sleep == nil {
		o.Sleep = clock.Sleep
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	w := &writer{p: p, o: o, repo: o.Repo, warn: append([]string{}, p.Warnings...)}
	if err := o.Repo.CheckVersion(ctx); err != nil {
		return nil, err
	}
	top, err := o.Repo.TopLevel(ctx)
	if err != nil {
		return nil, err
	}
	w.top = top
	base, err := filepath.Abs(o.Repo.Dir)
	if err != nil {
		return nil, fmt.Errorf("checkout %s: %w", o.Repo.Dir, err)
	}
	if real, err := filepath.EvalSymlinks(base); err == nil {
		base = real
	}
	rel := func(p string) (string, error) {
		abs := p
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(base, filepath.FromSlash(p))
		}
		r, err := filepath.Rel(top, abs)
		if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return "", exitcode.UsageError(fmt.Errorf("manifest path %s is outside the checkout %s", p, top))
		}
		if r == "." {
			return "", nil
		}
		return filepath.ToSlash(r), nil
	}
	for _, f := range p.Files {
		r, err := rel(f)
		if err != nil {
			return nil, err
		}
		if r == "" {
			return nil, exitcode.UsageError(fmt.Errorf("--file %s is the checkout itself: give it with --dir", f))
		}
		w.sel.files = append(w.sel.files, r)
		w.local = append(w.local, r)
	}
	for _, d := range p.Dirs {
		r, err := rel(d)
		if err != nil {
			return nil, err
		}
		w.sel.dirs = append(w.sel.dirs, r)
		w.local = append(w.local, cmp.Or(r, "."))
	}
	return w, nil
}

func (w *writer) progress(format string, a ...any) {
	fmt.Fprintf(w.o.Progress, format+"\n", a...)
}

// dryRun edits the manifests of the checkout's HEAD and reports the diff; it needs no
// remote and no token, and writes nothing.
func (w *writer) dryRun(ctx context.Context) (*Result, error) {
	head, ok, err := w.repo.RevParse(ctx, "HEAD^{commit}")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, exitcode.UsageError(errors.New("the checkout has no commit"))
	}
	if err := w.p.finish(w.remoteOrLocal(ctx), w.p.Branch); err != nil {
		return nil, err
	}
	w.printWarnings()
	ed, err := edit(ctx, w.repo, head, "HEAD ("+gitops.Short(head)+")", w.sel, w.p.Change)
	if err != nil {
		return nil, err
	}
	res := &Result{Status: StatusDryRun, Remote: w.remoteOrLocal(ctx).URL, Branch: w.p.Branch, Image: w.p.Image, Commit: head,
		Parent: head, Tag: w.p.Tag, Files: ed.report(), Diff: ed.diff(), Warnings: w.warn}
	if len(ed.files) == 0 {
		w.progress("Dry run: the manifests of HEAD (%s) already have %s; nothing would be committed, tag %s would be moved only if it is elsewhere.",
			gitops.Short(head), w.p.Image, w.p.Tag)
		return res, nil
	}
	w.printEdits(ed)
	w.progress("Dry run: would commit this on top of the branch and move tag %s to it; nothing was pushed. Commit message:\n%s",
		w.p.Tag, indent(w.p.Message))
	return res, nil
}

// remoteOrLocal is the planned remote, else the origin if the checkout has one.
func (w *writer) remoteOrLocal(ctx context.Context) gitops.Remote {
	if w.p.Remote.URL != "" {
		return w.p.Remote
	}
	if r, err := w.repo.Origin(ctx); err == nil {
		return r
	}
	return gitops.Remote{}
}

func (w *writer) run(ctx context.Context) (*Result, error) {
	remote := w.p.Remote
	if remote.URL == "" {
		var err error
		if remote, err = w.repo.Origin(ctx); err != nil {
			return nil, err
		}
	}
	if remote.HTTP() && !w.repo.Auth.IsSet() {
		return nil, ci.Missing(map[string]string{"GLCD_GIT_TOKEN": "is not set, nor CI_PERSONAL_ACCESS_TOKEN, nor CI_JOB_TOKEN: " +
			"pushing to " + remote.URL + " needs a token with the write_repository scope"})
	}
	if mod, err := w.repo.Modified(ctx, w.top, w.local); err == nil && len(mod) > 0 {
		w.warn = append(w.warn, fmt.Sprintf("%s %s uncommitted changes in the checkout; the write-back edits the branch as pushed and ignores them",
			strings.Join(mod, ", "), plural(len(mod), "has", "have")))
	}
	w.printWarnings()
	branch := w.p.Branch
	if branch == "" {
		b, err := w.repo.RemoteHEAD(ctx, remote.URL)
		if err != nil {
			return nil, err
		}
		branch = b
	}
	if err := w.p.finish(remote, branch); err != nil {
		return nil, err
	}
	w.progress("Writing back %s to %s of %s (tag %s)", w.p.Image, branch, remote.URL, w.p.Tag)

	var (
		lastRace error
		lastTry  time.Duration
	)
	for try := 1; try <= w.o.Tries; try++ {
		if try > 1 {
			wait := w.backoff(try, lastTry)
			w.progress("Another pipeline pushed first (%s); trying again on the new tip in %s (try %d of %d)",
				raceSummary(lastRace), wait.Round(time.Millisecond), try, w.o.Tries)
			if err := w.o.Sleep(ctx, wait); err != nil {
				return nil, err
			}
		}
		began := w.o.Now()
		res, err := w.attempt(ctx, remote, branch, try == 1)
		lastTry = w.o.Now().Sub(began)
		if errors.Is(err, gitops.ErrRace) {
			lastRace = err
			continue
		}
		if err != nil {
			return nil, err
		}
		res.Tries = try
		w.finishLocal(ctx, res)
		res.Warnings = w.warn
		w.report(res)
		return res, nil
	}
	return nil, exitcode.FailedError(fmt.Errorf("the push was rejected %d times because other pipelines kept pushing to %s first; "+
		"nothing was changed; retry the job, or raise --tries (GLCD_WRITEBACK_TRIES): %w", w.o.Tries, branch, lastRace))
}

// attempt is one try: base the change on the remote tip and push it with leases.
func (w *writer) attempt(ctx context.Context, remote gitops.Remote, branch string, first bool) (*Result, error) {
	headRef, tagRef := "refs/heads/"+branch, "refs/tags/"+w.p.Tag
	refs, err := w.repo.LsRemote(ctx, remote.URL, headRef, tagRef, tagRef+"^{}")
	if err != nil {
		return nil, err
	}
	tip := refs[headRef]
	if tip == "" {
		return nil, exitcode.UsageError(fmt.Errorf("branch %s does not exist in %s: check --branch (GLCD_WRITEBACK_BRANCH, CI_DEFAULT_BRANCH)", branch, remote.URL))
	}
	oldTag, oldTagCommit := refs[tagRef], refs[tagRef+"^{}"]
	if oldTagCommit == "" {
		oldTagCommit = oldTag // a lightweight tag, as the old script made
	}
	have, err := w.repo.Has(ctx, tip+"^{commit}")
	if err != nil {
		return nil, err
	}
	if !have {
		tmp := "refs/glcd/writeback/" + randomHex()
		if err := w.repo.Fetch(ctx, remote.URL, headRef, tmp); err != nil {
			return nil, err
		}
		defer w.repo.DeleteRef(context.WithoutCancel(ctx), tmp)
	}
	ed, err := edit(ctx, w.repo, tip, branch+" ("+gitops.Short(tip)+")", w.sel, w.p.Change)
	if err != nil {
		return nil, err
	}
	if first {
		w.printEdits(ed)
	}
	res := &Result{Remote: remote.URL, Branch: branch, Image: w.p.Image, Parent: tip, Commit: tip, Tag: w.p.Tag,
		PreviousTag: oldTagCommit, Files: ed.report()}
	if len(ed.files) == 0 && oldTagCommit == tip {
		res.Status = StatusUnchanged
		return res, nil
	}
	if len(ed.files) > 0 {
		contents := make([][]byte, len(ed.files))
		for i, f := range ed.files {
			contents[i] = f.out
		}
		blobs, err := w.repo.WriteBlobs(ctx, contents)
		if err != nil {
			return nil, err
		}
		changes := make([]gitops.TreeEntry, len(ed.files))
		for i, f := range ed.files {
			changes[i] = gitops.TreeEntry{Mode: f.entry.Mode, Type: "blob", Object: blobs[i], Path: f.entry.Path}
		}
		commit, err := w.repo.Commit(ctx, gitops.CommitSpec{Parent: tip, Changes: changes, Message: w.p.Message,
			Author: w.p.Author, Committer: w.p.Committer})
		if err != nil {
			return nil, err
		}
		res.Commit, res.Status = commit, StatusPushed
	} else {
		res.Status = StatusTagMoved
	}
	tagObj, err := w.repo.MakeTag(ctx, gitops.TagSpec{Object: res.Commit, Name: w.p.Tag, Message: w.p.TagMessage, Tagger: w.p.Committer})
	if err != nil {
		return nil, err
	}
	res.TagObject = tagObj
	_, err = w.repo.Push(ctx, remote.URL, []gitops.RefUpdate{
		{Src: res.Commit, Dst: headRef, Lease: true, Expect: tip},
		{Src: tagObj, Dst: tagRef, Lease: true, Expect: oldTag},
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// finishLocal brings the checkout up to what was pushed: the tag, and HEAD when it is
// detached or on the target branch and the move is a fast-forward. A checkout that cannot
// follow is left as it was, with a warning: the push, which is what counts, is done.
func (w *writer) finishLocal(ctx context.Context, res *Result) {
	ctx = context.WithoutCancel(ctx)
	if res.TagObject != "" {
		if err := w.repo.UpdateRef(ctx, "refs/tags/"+res.Tag, res.TagObject, nil); err != nil {
			w.warn = append(w.warn, fmt.Sprintf("the local tag %s was not updated: %v", res.Tag, err))
		}
	}
	head, _, err := w.repo.RevParse(ctx, "HEAD^{commit}")
	if err != nil || head == res.Commit {
		res.Checkout = "at " + gitops.Short(res.Commit)
		return
	}
	cur, err := w.repo.CurrentBranch(ctx)
	switch {
	case err != nil:
		res.Checkout = "left at " + gitops.Short(head)
	case cur != "" && cur != res.Branch:
		res.Checkout = fmt.Sprintf("left on branch %s at %s (not the target branch)", cur, gitops.Short(head))
	default:
		if err := w.repo.FastForward(ctx, res.Commit); err != nil {
			res.Checkout = "left at " + gitops.Short(head)
			w.warn = append(w.warn, fmt.Sprintf("the checkout stays at %s and does not show the write-back: %v", gitops.Short(head), err))
			return
		}
		res.Checkout = "moved to " + gitops.Short(res.Commit)
	}
}

func (w *writer) printEdits(ed *edited) {
	for _, f := range ed.report() {
		for _, e := range f.Edits {
			old := strings.TrimPrefix(e.Old, ":")
			if old == "" {
				old = "(none)"
			}
			w.progress("  %s:%d: %s: %s → %s", f.Path, e.Line, e.Where, old, strings.TrimPrefix(e.New, ":"))
		}
	}
}

func (w *writer) report(res *Result) {
	tries := ""
	if res.Tries > 1 {
		tries = fmt.Sprintf(" after %d tries", res.Tries)
	}
	was := "new"
	if res.PreviousTag != "" {
		was = "was at " + gitops.Short(res.PreviousTag)
	}
	switch res.Status {
	case StatusPushed:
		w.progress("Pushed %s to %s and moved tag %s to it (%s)%s", gitops.Short(res.Commit), res.Branch, res.Tag, was, tries)
	case StatusTagMoved:
		w.progress("Nothing to change: %s already has %s; moved tag %s to its tip %s (%s)%s",
			res.Branch, res.Image, res.Tag, gitops.Short(res.Commit), was, tries)
	case StatusUnchanged:
		w.progress("Nothing to change: %s already has %s and tag %s is on its tip %s", res.Branch, res.Image, res.Tag, gitops.Short(res.Commit))
	}
	w.printWarnings()
}

func (w *writer) printWarnings() {
	for _, msg := range w.warn[w.shown:] {
		w.progress("warning: %s", msg)
	}
	w.shown = len(w.warn)
}

// backoff is the wait before try n (n ≥ 2), the last try having taken last: full jitter
// over a window that starts at the larger of RetryWait and 2·last and doubles per try.
func (w *writer) backoff(n int, last time.Duration) time.Duration {
	win := max(w.o.RetryWait, 2*last)
	for i := 2; i < n && win < w.o.MaxWait; i++ {
		win *= 2
	}
	win = min(win, w.o.MaxWait)
	return time.Duration(w.o.Rand() * float64(win))
}

func raceSummary(err error) string {
	var ge *gitops.Error
	if !errors.As(err, &ge) {
		return "rejected"
	}
	var parts []string
	for _, r := range ge.Refs {
		if r.Flag == '!' && !strings.Contains(r.Summary, "atomic push") {
			parts = append(parts, strings.TrimPrefix(strings.TrimPrefix(r.Dst, "refs/heads/"), "refs/tags/")+" "+r.Summary)
		}
	}
	if len(parts) == 0 {
		return "rejected"
	}
	return strings.Join(parts, ", ")
}

func randomHex() string {
	b := make([]byte, 8)
	_, _ = crand.Read(b)
	return hex.EncodeToString(b)
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
