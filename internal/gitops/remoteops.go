package gitops

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gitlab.com/glcd/glcd/internal/exitcode"
)

// LsRemote lists the refs of remote named in refs (full names; "refs/tags/x^{}" asks for the
// commit an annotated tag points at) and returns those that exist, name → object id.
func (r *Repo) LsRemote(ctx context.Context, remote string, refs ...string) (map[string]string, error) {
	args := append([]string{"ls-remote", "--end-of-options", remote}, refs...)
	out, err := r.git(ctx, call{args: args, op: "list the refs of " + remote, url: remote})
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, ref := range refs {
		want[ref] = true
	}
	got := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		id, name, ok := strings.Cut(strings.TrimSpace(line), "\t")
		if ok && (len(refs) == 0 || want[name]) { // ls-remote matches patterns on the tail: keep exact names
			got[name] = id
		}
	}
	return got, nil
}

// RemoteHEAD returns the branch the remote's HEAD names: its default branch.
func (r *Repo) RemoteHEAD(ctx context.Context, remote string) (string, error) {
	out, err := r.git(ctx, call{args: []string{"ls-remote", "--symref", "--end-of-options", remote, "HEAD"},
		op: "find the default branch of " + remote, url: remote})
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "ref: refs/heads/"); ok {
			if b, _, ok := strings.Cut(rest, "\t"); ok && b != "" {
				return b, nil
			}
		}
	}
	return "", exitcode.UsageError(fmt.Errorf("%s has no default branch (its HEAD names none): give the branch with --branch", remote))
}

// Fetch fetches the remote's ref src into the local ref dst (forced), without tags and
// without writing FETCH_HEAD.
func (r *Repo) Fetch(ctx context.Context, remote, src, dst string) error {
	_, err := r.git(ctx, call{args: []string{"fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--no-recurse-submodules",
		"--end-of-options", remote, "+" + src + ":" + dst}, op: "fetch " + strings.TrimPrefix(src, "refs/heads/") + " from " + remote, url: remote})
	return err
}

// RefUpdate is one ref to push.
type RefUpdate struct {
	Src string // an object id
	Dst string // a full ref name: refs/heads/main, refs/tags/app-production
	// Lease makes the update a compare-and-swap: it happens only if the remote ref is still
	// Expect ("" for a ref that must not exist), whether or not it is a fast-forward.
	Lease  bool
	Expect string
}

// RefStatus is one ref's outcome in a push, as `git push --porcelain` reports it.
type RefStatus struct {
	Flag    byte   // ' ' fast-forward, '+' forced, '-' deleted, '*' new, '!' rejected, '=' up to date
	Src     string // as given
	Dst     string
	Summary string // such as "[rejected] (non-fast-forward)" or "abc..def"
}

// Push pushes the updates to remote in one atomic push: all happen or none. A push that
// lost a race (another push moved a ref first: non-fast-forward, stale lease, lock lost) is
// an error for which errors.Is(err, ErrRace) holds; a push the server refused for good (a
// hook, a protected ref) is a KindRejected *Error, exit 1.
func (r *Repo) Push(ctx context.Context, remote string, updates []RefUpdate) ([]RefStatus, error) {
	args := []string{"push", "--atomic", "--porcelain", "--no-verify", "--no-recurse-submodules"}
	for _, u := range updates {
		if u.Lease {
			args = append(args, "--force-with-lease="+u.Dst+":"+u.Expect)
		}
	}
	args = append(args, "--end-of-options", remote)
	for _, u := range updates {
		args = append(args, u.Src+":"+u.Dst)
	}
	var names []string
	for _, u := range updates {
		names = append(names, u.Dst)
	}
	c := call{args: args, op: "push " + strings.Join(names, " and ") + " to " + remote, url: remote}
	out, err := r.git(ctx, c)
	refs := parsePorcelain(string(out))
	var ge *Error
	if err == nil || !errors.As(err, &ge) || ge.Kind == KindCanceled {
		return refs, err
	}
	if rejected(refs) {
		ge.Refs = refs
		ge.Kind = pushKind(refs)
		return refs, ge.wrap()
	}
	return refs, err
}

func parsePorcelain(out string) []RefStatus {
	var refs []RefStatus
	for _, line := range strings.Split(out, "\n") {
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 || len(f[0]) != 1 {
			continue
		}
		src, dst, _ := strings.Cut(f[1], ":")
		refs = append(refs, RefStatus{Flag: f[0][0], Src: src, Dst: dst, Summary: f[2]})
	}
	return refs
}

func rejected(refs []RefStatus) bool {
	for _, r := range refs {
		if r.Flag == '!' {
			return true
		}
	}
	return false
}

// raceReasons are the reasons git gives for a ref update that lost to another update; the
// collateral ones are given to the other refs of an atomic push that failed as a whole.
var (
	raceReasons = []string{"non-fast-forward", "fetch first", "stale info", "already exists", "failed to update ref",
		"failed to lock", "cannot lock ref", "incorrect old value", "but expected"}
	collateral = []string{"atomic push failed", "atomic push failure", "atomic transaction failed"}
)

// pushKind tells a lost race from a refusal: a push is a race only if every ref that was
// rejected for its own sake was rejected for a race reason.
func pushKind(refs []RefStatus) Kind {
	for _, r := range refs {
		if r.Flag != '!' || containsAny(r.Summary, collateral) {
			continue
		}
		if !containsAny(r.Summary, raceReasons) {
			return KindRejected
		}
	}
	return KindRace
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
