// Package local runs one job of a checkout's .gitlab-ci.yml before it is pushed, in the pod
// glcd executor would give it in CI (the same settings file: image rules, services, cache
// volume, limits, hardening), on the cluster of the current kubeconfig: glcd local.
//
// Where CI fetches the commit (get_sources), the working tree is copied in: tracked files and
// untracked ones git does not ignore. What GitLab would decide or provide and glcd cannot
// (rules:, the project's CI/CD variables, remote includes) is named in Plan.Notes; the
// project's variables come from Options.Vars.
package local

import (
	"archive/tar"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/joho/godotenv"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"

	"gitlab.com/glcd/glcd/executor"
	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/pipeline"
)

// Options say which job to run and where.
type Options struct {
	// Dir is the checkout; File its pipeline file ("" means Dir/.gitlab-ci.yml).
	Dir, File string
	// Job names the job.
	Job string
	// Vars are KEY=VALUE: what the project's CI/CD settings would give the job. A key that
	// looks secret (TOKEN, PASSWORD, ...) is masked in the output.
	Vars []string
	// EnvFiles are .env files (KEY=VALUE lines, # comments, quotes) of more such variables;
	// Vars win over them.
	EnvFiles []string
	// ProjectID selects the project's cache subPath ("" means a cache of local runs only).
	ProjectID string
	// ProjectPath is the project's path on GitLab (group/project; "" means the one of the
	// remote origin): the components of this project are read from the working tree.
	ProjectPath string
	// BuildsDir is where the executor's settings mount the builds volume ("" means
	// executor.DefaultBuildsDir): the checkout goes under it.
	BuildsDir string
	// Catalogs are the component projects read without fetching (glcd's own), by path.
	Catalogs map[string]fs.FS
}

// Plan is the job resolved as the runner would get it.
type Plan struct {
	Job      string
	Image    string // "" means the settings' default
	Services []executor.Service
	// Vars are the job's variables, expanded, in the order exported.
	Vars          []executor.Variable
	Script, After []string
	// Dir is the checkout; ProjectDir where it is in the pod.
	Dir, ProjectDir string
	ProjectID       string
	// Cache says the job declares cache: (the settings' cache volume is mounted either way);
	// Caches are its caches, restored before the script and saved after it on the volume.
	Cache  bool
	Caches []Cache
	// Notes name what glcd local does not do as GitLab would.
	Notes []string
}

var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Prepare reads the pipeline and resolves the job; every problem is reported at once.
func Prepare(o Options) (*Plan, error) {
	file := o.File
	if file == "" {
		file = filepath.Join(o.Dir, ".gitlab-ci.yml")
	}
	var problems []error
	project := map[string]string{}
	for _, f := range o.EnvFiles {
		b, err := ci.ReadFile(f)
		if err != nil {
			problems = append(problems, fmt.Errorf("--env-file: %w", err))
			continue
		}
		vars, err := godotenv.UnmarshalBytes(b)
		if err != nil {
			problems = append(problems, fmt.Errorf("--env-file %s: %w (want KEY=VALUE lines)", f, err))
			continue
		}
		for k, v := range vars {
			if !varName.MatchString(k) {
				problems = append(problems, fmt.Errorf("--env-file %s: %q is not a variable name", f, k))
				continue
			}
			project[k] = v
		}
	}
	for _, kv := range o.Vars {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !varName.MatchString(k) {
			problems = append(problems, fmt.Errorf("--var %q: want KEY=VALUE, KEY a variable name", kv))
			continue
		}
		project[k] = v
	}
	abs, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	plan := &Plan{Job: o.Job, Dir: abs, ProjectID: o.ProjectID}
	if plan.ProjectID == "" {
		plan.ProjectID = "local"
	}
	name := filepath.Base(abs)
	builds := cmp.Or(o.BuildsDir, executor.DefaultBuildsDir)
	plan.ProjectDir = path.Join(builds, "local", name)
	predefined := map[string]string{
		"CI": "true", "GLCD_LOCAL": "true", "CI_JOB_NAME": o.Job, "CI_PROJECT_NAME": name,
		"CI_PROJECT_DIR": plan.ProjectDir, "CI_BUILDS_DIR": builds, "CI_PROJECT_ID": plan.ProjectID,
	}
	host, projectPath := "", o.ProjectPath
	if origin, err := git(abs, "remote", "get-url", "origin"); err == nil {
		var p string
		host, p = originPath(origin)
		projectPath = cmp.Or(projectPath, p)
	}
	if projectPath != "" {
		predefined["CI_PROJECT_PATH"] = projectPath
		predefined["CI_PROJECT_NAMESPACE"], predefined["CI_PROJECT_NAME"] = path.Split(projectPath)
		predefined["CI_PROJECT_NAMESPACE"] = strings.TrimSuffix(predefined["CI_PROJECT_NAMESPACE"], "/")
	}
	if host != "" {
		predefined["CI_SERVER_FQDN"], predefined["CI_SERVER_HOST"] = host, host
	}
	if sha, err := git(abs, "rev-parse", "HEAD"); err == nil {
		predefined["CI_COMMIT_SHA"], predefined["CI_COMMIT_SHORT_SHA"] = sha, sha[:min(8, len(sha))]
	}
	if ref, err := git(abs, "rev-parse", "--abbrev-ref", "HEAD"); err == nil && ref != "HEAD" {
		predefined["CI_COMMIT_REF_NAME"], predefined["CI_COMMIT_BRANCH"] = ref, ref
	}
	// include: paths see the predefined variables and the project's
	includeVars := maps.Clone(predefined)
	maps.Copy(includeVars, project)
	p, err := pipeline.LoadWith(file, pipeline.LoadOptions{ProjectPath: projectPath, Variables: includeVars, Catalogs: o.Catalogs})
	if err != nil {
		return nil, errors.Join(append(problems, err)...)
	}
	var job *pipeline.Job
	var names []string
	for i := range p.Jobs {
		names = append(names, p.Jobs[i].Name)
		if p.Jobs[i].Name == o.Job {
			job = &p.Jobs[i]
		}
	}
	if job == nil {
		problems = append(problems, fmt.Errorf("%s has no job %q: its jobs are %s", file, o.Job, strings.Join(names, ", ")))
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	if s, ok := job.Spec["stage"].(string); ok {
		predefined["CI_JOB_STAGE"] = s
	}
	for _, c := range p.Components {
		if c.Catalog != "" {
			plan.Notes = append(plan.Notes, fmt.Sprintf("component %s is read from the %s catalog this glcd holds (%s), whatever its version", c.Ref, c.Catalog, c.File))
			continue
		}
		rel, _ := filepath.Rel(abs, c.File)
		plan.Notes = append(plan.Notes, fmt.Sprintf("component %s is read from this working tree's %s, whatever its version", c.Ref, rel))
	}
	// GitLab's precedence, lowest first: predefined, the file's, the job's, the project's
	all := map[string]string{}
	for _, m := range []map[string]string{predefined, p.Variables, job.Variables(), project} {
		maps.Copy(all, m)
	}
	expanded := pipeline.ExpandVariables(all)
	for _, k := range slices.Sorted(maps.Keys(expanded)) {
		if !varName.MatchString(k) {
			plan.Notes = append(plan.Notes, fmt.Sprintf("variable %q is not a shell name: not exported", k))
			continue
		}
		_, fromProject := project[k]
		masked := fromProject && ci.LooksSecret(k)
		plan.Vars = append(plan.Vars, executor.Variable{Key: k, Value: expanded[k], Public: !masked, Masked: masked})
	}
	if img, ok := job.ImageOf(); ok {
		plan.Image = pipeline.Expand(img.Name, expanded)
	}
	for _, s := range job.Services() {
		plan.Services = append(plan.Services, executor.Service{Name: pipeline.Expand(s, expanded)})
	}
	for _, key := range []string{"before_script", "script", "after_script"} {
		if bad := notLines(job.Spec[key]); bad != "" {
			problems = append(problems, fmt.Errorf("job %s: %s: %s is not a command (a plain YAML line holding \": \" is a map: quote the line)", o.Job, key, bad))
		}
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	plan.Script = append(job.Lines("before_script"), job.Lines("script")...)
	plan.After = job.Lines("after_script")
	_, plan.Cache = job.Spec["cache"]
	caches, notes, err := caches(abs, job.Spec["cache"], expanded)
	if err != nil {
		return nil, fmt.Errorf("job %s: %w", o.Job, err)
	}
	plan.Caches, plan.Notes = caches, append(plan.Notes, notes...)
	if len(job.Lines("script")) == 0 {
		return nil, fmt.Errorf("job %s has no script: (a trigger or a template?): nothing to run", o.Job)
	}
	if _, ok := job.Spec["rules"]; ok {
		plan.Notes = append(plan.Notes, "rules: are not evaluated: the job runs because you named it")
	}
	if _, ok := job.Spec["only"]; ok {
		plan.Notes = append(plan.Notes, "only:/except: are not evaluated: the job runs because you named it")
	}
	for _, r := range p.Remote {
		plan.Notes = append(plan.Notes, fmt.Sprintf("include %s is not read (not a local file): give what it defines with --var or a local include", r))
	}
	if _, ok := job.Spec["needs"]; ok {
		plan.Notes = append(plan.Notes, "needs: the artifacts and dotenv variables of other jobs are not fetched: give the variables with --var")
	}
	return plan, nil
}

// EnvScript is the shell script that gives a shell the job's variables (exported) and puts it
// in the project directory.
func (p *Plan) EnvScript() []byte {
	var b bytes.Buffer
	for _, v := range p.Vars {
		fmt.Fprintf(&b, "export %s=%s\n", v.Key, quote(v.Value))
	}
	fmt.Fprintf(&b, "cd %s\n", quote(p.ProjectDir))
	return b.Bytes()
}

// StageScript is the shell script of one stage (lines): the variables exported, the project
// directory, then each line echoed and run, stopping at the first that fails.
func (p *Plan) StageScript(lines []string) []byte {
	var b bytes.Buffer
	b.WriteString("set -e\n(set -o pipefail) 2>/dev/null && set -o pipefail\n")
	b.Write(p.EnvScript())
	for _, l := range lines {
		fmt.Fprintf(&b, "printf '\\033[32;1m%%s\\033[0;m\\n' %s\n%s\n", quote("$ "+l), l)
	}
	return b.Bytes()
}

// notLines returns the first item of a script: value that is neither a string nor a list of
// them, as YAML shows it, or "".
func notLines(v any) string {
	switch x := v.(type) {
	case nil, string:
		return ""
	case []any:
		for _, e := range x {
			if bad := notLines(e); bad != "" {
				return bad
			}
		}
		return ""
	}
	return fmt.Sprintf("%v", v)
}

// originPath returns the host and the project path of a git remote URL
// (https://host/group/project.git, git@host:group/project.git, ssh://git@host:22/group/project).
func originPath(u string) (host, project string) {
	u = strings.TrimSuffix(strings.TrimSuffix(u, "/"), ".git")
	if scheme, rest, ok := strings.Cut(u, "://"); ok {
		if scheme == "file" {
			return "", ""
		}
		hostPart, p, _ := strings.Cut(rest, "/")
		hostPart = hostPart[strings.LastIndex(hostPart, "@")+1:]
		if h, _, ok := strings.Cut(hostPart, ":"); ok {
			hostPart = h
		}
		return hostPart, p
	}
	if at, rest, ok := strings.Cut(u, ":"); ok && !strings.Contains(at, "/") {
		return at[strings.LastIndex(at, "@")+1:], strings.TrimPrefix(rest, "/")
	}
	return "", ""
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func git(dir string, args ...string) (string, error) {
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).Output()
	return strings.TrimSpace(string(out)), err
}

// Cluster is where the job runs: glcd executor's settings and the current kubeconfig's
// cluster.
type Cluster struct {
	Settings *executor.Settings
	Client   kubernetes.Interface
	REST     *rest.Config
	// Keep leaves the pod (and its Secret) for kubectl exec.
	Keep bool
	// Shell, when set, opens a shell in the job's container after the script (before
	// after_script), or instead of it.
	Shell *Shell
}

// Shell is an interactive shell in the job's build container: bash when the image has it,
// else sh, in the project directory with the job's variables. Its output goes where the job's
// does.
type Shell struct {
	// Instead skips before_script, script and after_script: the shell's exit code is the
	// job's.
	Instead bool
	// In is what is typed. With TTY the container gets a terminal (Sizes follows the local
	// one's size) and Raw, when set, runs the session with the local terminal in raw mode.
	In    io.Reader
	TTY   bool
	Sizes remotecommand.TerminalSizeQueue
	Raw   func(func() error) error
}

// Run runs the plan's job in its pod and returns the script's exit code (0: it passed).
// Out gets the job's output, Log glcd's own lines. When ctx ends (Ctrl-C) the script is
// stopped; the pod is removed in every case but Keep.
func Run(ctx context.Context, p *Plan, c Cluster, out, log io.Writer) (code int, err error) {
	j := &executor.Job{ID: "local", ProjectID: p.ProjectID, Name: p.Job, Image: p.Image, Services: p.Services,
		Variables: p.Vars, Cache: p.Cache} // no job token: the local job talks to no GitLab
	d := &executor.Driver{Settings: c.Settings, Job: j, Client: c.Client, REST: c.REST, Nonce: executor.NewNonce(), Out: out, Log: log}
	start := time.Now()
	defer func() {
		if c.Keep {
			ns, pod := c.Settings.Namespace, executor.PodName(j, d.Nonce)
			fmt.Fprintf(log, "glcd local: pod %s/%s kept: kubectl -n %s exec -it %s -c %s -- sh; delete it with kubectl -n %s delete pod %s\n",
				ns, pod, ns, pod, executor.BuildContainer, ns, pod)
			return
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if cerr := d.Cleanup(cctx); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if err := d.Prepare(ctx); err != nil {
		return 0, err
	}
	fmt.Fprintf(log, "glcd local: copying the working tree of %s into %s\n", p.Dir, p.ProjectDir)
	if err := copyTree(ctx, d, p.Dir, p.ProjectDir); err != nil {
		return 0, err
	}
	cached := len(p.Caches) > 0 && (c.Settings.Cache.PVC != "" || c.Settings.Cache.HostPath != "")
	if cached {
		// as in CI, a cache that cannot be restored or saved is a warning, not a failure
		if err := runCache(ctx, d, p, c.Settings.CacheDir, false, false, out); err != nil {
			fmt.Fprintf(log, "glcd local: warning: %v\n", err)
		}
	}
	if c.Shell != nil && c.Shell.Instead {
		code, err = shell(ctx, d, p, c.Shell, out, log)
		if err == nil {
			fmt.Fprintf(log, "glcd local: shell exited with code %d\n", code)
		}
		return code, err
	}
	code, err = stage(ctx, d, p, "build_script", p.Script)
	if err != nil {
		return 0, err
	}
	if c.Shell != nil && ctx.Err() == nil {
		fmt.Fprintf(log, "glcd local: the script %s\n", map[bool]string{true: "passed", false: fmt.Sprintf("failed (exit code %d)", code)}[code == 0])
		if _, err := shell(ctx, d, p, c.Shell, out, log); err != nil {
			return 0, err
		}
	}
	if len(p.After) > 0 && ctx.Err() == nil {
		// after_script runs whatever the script did, and its failure fails nothing, as in CI
		if _, err := stage(context.WithoutCancel(ctx), d, p, "after_script", p.After); err != nil {
			fmt.Fprintf(log, "glcd local: after_script: %v\n", err)
		}
	}
	if cached && ctx.Err() == nil {
		if err := runCache(ctx, d, p, c.Settings.CacheDir, true, code == 0, out); err != nil {
			fmt.Fprintf(log, "glcd local: warning: %v\n", err)
		}
	}
	fmt.Fprintf(log, "glcd local: job %s %s in %s\n", p.Job, map[bool]string{true: "succeeded", false: fmt.Sprintf("failed (exit code %d)", code)}[code == 0],
		time.Since(start).Round(100*time.Millisecond))
	return code, nil
}

// envEnd is the last line of the file that gives the shell the job's variables: the file
// is whole when it ends with it.
const envEnd = "# glcd: the end of the job's variables"

// writeEnvCommand writes its stdin to the file $1, readable by the container's user alone, and
// keeps it only when it is whole (its last line is $2): on a busy node an exec's stdin can
// arrive short even though the exec succeeds. Exit code 3: it arrived short, nothing is kept.
// Only sh is needed.
var writeEnvCommand = []string{"sh", "-c", `umask 077 && cat > "$1" && last= && while IFS= read -r l; do last=$l; done < "$1" && [ "$last" = "$2" ] || { rm -f "$1"; exit 3; }`, "glcd-shell"}

// shellCommand reads the variables' file $1, removes it and becomes bash, or sh where the image
// has no bash. When the file cannot be read whole the shell does not open (exit 125): a shell
// without the job's variables and directory would look like the job's. On a terminal it first
// waits, up to 2.5 s, for the terminal's size: the size comes on a stream of its own after the
// exec's process has started, and a shell, or the first command typed, would see 0 rows
// (busybox's stty fails on them, full-screen programs draw nothing). Its one variable,
// glcd_n, is named so that no job's variable it could change is likely to share the name.
var shellCommand = []string{"sh", "-c", `. "$1" || { echo "glcd: the job's variables could not be read in the container" >&2; exit 125; }; rm -f "$1"; ` +
	`if [ -t 0 ] && command -v stty >/dev/null 2>&1; then glcd_n=0; while [ $glcd_n -lt 50 ]; do ` +
	`case $(stty size 2>/dev/null) in ""|"0 "*|*" 0") glcd_n=$((glcd_n + 1)); sleep 0.05 2>/dev/null || glcd_n=50 ;; *) break ;; esac; done; fi; ` +
	`if command -v bash >/dev/null 2>&1; then exec bash; fi; exec sh`, "glcd-shell"}

// shell runs sh.In's shell in the build container and returns its exit code. The job's
// variables reach it through a file only the container's user can read, removed as soon as
// the shell has read it (an exec's command line is not a place for secrets).
func shell(ctx context.Context, d *executor.Driver, p *Plan, sh *Shell, out, log io.Writer) (int, error) {
	env := path.Join(path.Dir(p.ProjectDir), ".glcd-shell-"+d.Nonce)
	script := append(p.EnvScript(), envEnd+"\n"...)
	write := append(slices.Clone(writeEnvCommand), env, envEnd)
	for try := 1; ; try++ {
		var stderr bytes.Buffer
		err := d.Exec(ctx, executor.BuildContainer, write, remotecommand.StreamOptions{Stdin: bytes.NewReader(script), Stdout: io.Discard, Stderr: &stderr})
		var ee utilexec.ExitError
		if err == nil {
			break
		}
		if !errors.As(err, &ee) || ee.ExitStatus() != 3 {
			return 0, fmt.Errorf("giving the shell the job's variables: %w %s", err, strings.TrimSpace(stderr.String()))
		}
		if try == executor.StdinTries {
			return 0, fmt.Errorf("giving the shell the job's variables: the file arrived short in the container %d times in a row", try)
		}
	}
	cmd := append(slices.Clone(shellCommand), env)
	fmt.Fprintf(log, "glcd local: a shell in the job's container, in %s with the job's variables; exit it to end the job\n", p.ProjectDir)
	session := func() error {
		return d.Exec(ctx, executor.BuildContainer, cmd, remotecommand.StreamOptions{Stdin: sh.In, Stdout: out, Stderr: out, Tty: sh.TTY, TerminalSizeQueue: sh.Sizes})
	}
	var err error
	if sh.Raw != nil {
		err = sh.Raw(session)
	} else {
		err = session()
	}
	var ee utilexec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitStatus(), nil
	}
	if err != nil {
		return 0, fmt.Errorf("the shell: %w", err)
	}
	return 0, nil
}

// stage runs one stage's script; a script failure is its exit code, anything else an error.
func stage(ctx context.Context, d *executor.Driver, p *Plan, name string, lines []string) (int, error) {
	f, err := os.CreateTemp("", "glcd-local-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(p.StageScript(lines)); err != nil {
		f.Close()
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	err = d.Run(ctx, f.Name(), name)
	if err == nil {
		return 0, nil
	}
	if fl := executor.AsFailure(err); fl != nil && !fl.System && fl.ExitCode > 0 {
		return fl.ExitCode, nil
	}
	return 0, err
}

// copyTree streams the working tree of dir (tracked files and untracked ones git does not
// ignore) as a tar into to in the pod.
func copyTree(ctx context.Context, d *executor.Driver, dir, to string) error {
	list, err := exec.Command("git", "-C", dir, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		return fmt.Errorf("%s: git ls-files: %w (glcd local runs in a git checkout)", dir, err)
	}
	var files []string
	for _, f := range strings.Split(string(list), "\x00") {
		if f != "" && !slices.Contains(files, f) {
			files = append(files, f)
		}
	}
	end := ".glcd-copy-end-" + d.Nonce
	for try := 1; ; try++ {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(writeTar(pw, dir, files, end)) }()
		err = d.CopyIn(ctx, to, end, pr)
		pr.Close()
		if !errors.Is(err, executor.ErrCopyShort) || try == executor.StdinTries {
			return err
		}
	}
}

// writeTar writes files of dir as a tar stream to w, then an empty file named end.
func writeTar(w io.Writer, dir string, files []string, end string) error {
	tw := tar.NewWriter(w)
	dirs := map[string]bool{}
	for _, f := range files {
		fi, err := os.Lstat(filepath.Join(dir, f))
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the working tree, not yet in the index
		}
		if err != nil {
			return err
		}
		for d := path.Dir(f); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
		link := ""
		if fi.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(filepath.Join(dir, f)); err != nil {
				return err
			}
		} else if !fi.Mode().IsRegular() {
			continue // a submodule's directory, a socket
		}
		h, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return err
		}
		h.Name, h.Uname, h.Gname, h.Uid, h.Gid = f, "", "", 0, 0
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			r, err := os.Open(filepath.Join(dir, f))
			if err != nil {
				return err
			}
			_, err = io.Copy(tw, r)
			r.Close()
			if err != nil {
				return err
			}
		}
	}
	if err := tw.WriteHeader(&tar.Header{Name: end, Mode: 0o600, Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	return tw.Close()
}
