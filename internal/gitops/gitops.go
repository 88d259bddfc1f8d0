// Package gitops runs the git CLI for glcd's write-back and auto-tagging: read and write
// objects without touching the checkout, list and fetch remote refs, and push branches and
// tags atomically with compare-and-swap leases, telling a push that lost a race to another
// pipeline from one that failed.
//
// Every git process gets the caller's environment (never glcd's own), the C locale, no
// terminal prompts, and, when a token is set, a credential helper given on the process's
// environment that prints the token from that same environment: the token never appears in
// argv, in .git/config or in a URL. Everything git says passes through a masker before it
// reaches an error or a log.
package gitops

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
)

// Cmd is one git invocation: git Args... in Dir.
type Cmd struct {
	Dir    string
	Args   []string
	Env    []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Runner runs git commands. Exec is the real one; tests wrap it to watch or pace git.
type Runner interface {
	Run(ctx context.Context, c Cmd) error
}

// Exec runs the git binary: Path, or "git" found on PATH.
type Exec struct{ Path string }

// Run runs c and waits for it; a cancelled ctx kills git.
func (e Exec) Run(ctx context.Context, c Cmd) error {
	path := e.Path
	if path == "" {
		path = "git"
	}
	cmd := exec.CommandContext(ctx, path, c.Args...)
	cmd.Dir, cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = c.Dir, c.Env, c.Stdin, c.Stdout, c.Stderr
	killGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	return cmd.Run()
}

// Repo is a git repository (a checkout) and how to run git in it.
type Repo struct {
	// Dir is the checkout (or any directory inside it).
	Dir string
	// Env is the environment git runs with: the job's, as passed to glcd. Credentials in it
	// are left out (see ci.IsSecret); Auth brings the one git needs.
	Env []string
	// Runner runs git; nil means Exec{}.
	Runner Runner
	// Auth is the credential for http(s) remotes; the zero value sends none.
	Auth Auth
	// Masker masks what git says; nil masks the Auth token and URL passwords only.
	Masker *ci.Masker
	// Log, if set, is told each git command run (arguments only: they never hold a secret).
	Log io.Writer
	// Now is the clock for tag dates; nil means time.Now.
	Now func() time.Time
}

func (r *Repo) runner() Runner {
	if r.Runner == nil {
		return Exec{}
	}
	return r.Runner
}

func (r *Repo) masker() *ci.Masker {
	m := r.Masker
	if m == nil {
		m = ci.NewMasker()
	}
	if tok := r.Auth.Token.Reveal(); tok != "" {
		// git's traces show basic auth headers; mask their encoded forms as well.
		m.Add(r.Auth.Token,
			ci.NewSecret(base64.StdEncoding.EncodeToString([]byte(r.Auth.User+":"+tok))),
			ci.NewSecret(base64.URLEncoding.EncodeToString([]byte(r.Auth.User+":"+tok))))
	}
	return m
}

func (r *Repo) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// variables glcd sets on every git process, and variables of the job's environment it drops
// because they would prompt, localise or leak.
var (
	dropVars = []string{
		"GIT_ASKPASS", "SSH_ASKPASS", "GIT_TERMINAL_PROMPT", "LC_ALL", "LANGUAGE", "GIT_TRACE_REDACT",
		"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_LITERAL_PATHSPECS",
		"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE",
		"CI_REPOSITORY_URL", // holds the job token in its user info
		envUser, envPass,
	}
	fixedVars = []string{"LC_ALL=C", "LANGUAGE=", "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "GIT_TRACE_REDACT=1"}
)

// env is the environment of one git process: the job's without credentials, glcd's fixed
// settings, the credential helper when a token is set, and extra.
func (r *Repo) env(extra ...string) []string {
	out := make([]string, 0, len(r.Env)+len(fixedVars)+len(extra)+8)
	count := 0
	for _, kv := range r.Env {
		k, v, _ := strings.Cut(kv, "=")
		if ci.IsSecret(k) || slices.Contains(dropVars, k) {
			continue
		}
		if k == "GIT_CONFIG_COUNT" {
			count, _ = strconv.Atoi(v)
			continue
		}
		out = append(out, kv)
	}
	out = append(out, fixedVars...)
	if r.Auth.Token.IsSet() {
		out = append(out, r.Auth.helperEnv(count)...)
		count += 2
	}
	if count > 0 {
		out = append(out, "GIT_CONFIG_COUNT="+strconv.Itoa(count))
	}
	return append(out, extra...)
}

// call is one git command to run.
type call struct {
	args  []string
	stdin io.Reader
	env   []string  // added to the environment
	out   io.Writer // stdout; nil collects it
	op    string    // what glcd is doing, for errors; "" derives it from args
	url   string    // the remote involved, for error hints
}

// git runs a command and returns its standard output; a failure is an *Error (masked).
func (r *Repo) git(ctx context.Context, c call) ([]byte, error) {
	var stdout bytes.Buffer
	out := c.out
	if out == nil {
		out = &stdout
	}
	var stderr bytes.Buffer
	if r.Log != nil {
		fmt.Fprintf(r.Log, "git %s\n", r.masker().String(strings.Join(c.args, " ")))
	}
	err := r.runner().Run(ctx, Cmd{Dir: r.Dir, Args: c.args, Env: r.env(c.env...), Stdin: c.stdin, Stdout: out, Stderr: &stderr})
	if err != nil {
		return stdout.Bytes(), r.fail(ctx, c, err, stderr.String())
	}
	return stdout.Bytes(), nil
}

// gitString runs a command and returns its trimmed standard output.
func (r *Repo) gitString(ctx context.Context, c call) (string, error) {
	out, err := r.git(ctx, c)
	return strings.TrimSpace(string(out)), err
}

func (r *Repo) fail(ctx context.Context, c call, runErr error, stderr string) error {
	op := c.op
	if op == "" {
		op = "git " + firstArg(c.args)
	}
	e := &Error{Op: r.masker().String(op), URL: c.url, Stderr: r.masker().String(stderr), Auth: r.Auth, err: runErr}
	var ee *exec.ExitError
	if errors.As(runErr, &ee) {
		e.ExitCode = ee.ExitCode()
	}
	if ctx.Err() != nil {
		e.Kind = KindCanceled
		e.err = errors.Join(runErr, ctx.Err())
	} else {
		e.Kind = classify(e.Stderr, runErr)
	}
	if e.Kind == KindNoGit && r.Dir != "" {
		if fi, err := os.Stat(r.Dir); err != nil || !fi.IsDir() {
			e.Kind = KindNoDir
		}
	}
	return e.wrap()
}

// firstArg is the git subcommand of args, skipping -c options.
func firstArg(args []string) string {
	for i := 0; i < len(args); i++ {
		if args[i] == "-c" {
			i++
			continue
		}
		if !strings.HasPrefix(args[i], "-") {
			return args[i]
		}
	}
	return ""
}

// The oldest git glcd works with: GIT_CONFIG_COUNT, which carries the credential helper,
// came with git 2.31.
const (
	MinMajor = 2
	MinMinor = 31
)

// CheckVersion fails (exit 2) when git is missing or older than MinMajor.MinMinor.
func (r *Repo) CheckVersion(ctx context.Context) error {
	out, err := r.gitString(ctx, call{args: []string{"version"}, op: "check the version of git"})
	if err != nil {
		return err
	}
	// "git version 2.39.5", "git version 2.39.3 (Apple Git-146)"
	f := strings.Fields(out)
	if len(f) < 3 {
		return fmt.Errorf("git version: cannot read %q", out)
	}
	parts := strings.SplitN(f[2], ".", 3)
	if len(parts) < 2 {
		return fmt.Errorf("git version: cannot read %q", out)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return fmt.Errorf("git version: cannot read %q", out)
	}
	if major < MinMajor || major == MinMajor && minor < MinMinor {
		return exitcode.UsageError(fmt.Errorf("%s is too old: glcd needs git %d.%d or later (it hands git the token through "+
			"GIT_CONFIG_COUNT); use a newer image, such as the glcd image", out, MinMajor, MinMinor))
	}
	return nil
}
