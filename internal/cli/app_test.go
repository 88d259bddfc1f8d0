package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
)

var info = BuildInfo{Version: "1.2.3", Commit: "abc1234", GoVersion: "go1.26.8", ClientGo: "v0.37.2"}

func runGLCD(t *testing.T, environ []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), append([]string{"glcd"}, args...), environ, Streams{In: strings.NewReader(""), Out: &out, Err: &errb}, info)
	return out.String(), errb.String(), code
}

func TestHelpListsTheCommandsThatExist(t *testing.T) {
	out, _, code := runGLCD(t, nil, "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, cmd := range []string{`version\s+print glcd's version, git commit, Go version and client-go version`, `rollout\s+set a workload's image and watch the rollout`,
		`writeback\s+record a deploy in the infra repo`, `autotag\s+create the tag v<version> at HEAD`,
		`executor\s+GitLab Runner custom executor driver`} {
		if !regexp.MustCompile(cmd).MatchString(out) {
			t.Fatalf("help lacks %s:\n%s", cmd, out)
		}
	}
	for _, flag := range []string{"--output", "--debug", "--kubeconfig", "--context", "--namespace", "--insecure-skip-tls-verify", "$GLCD_OUTPUT", "$KUBE_CONTEXT", "$KUBE_NAMESPACE"} {
		if !strings.Contains(out, flag) {
			t.Errorf("help lacks %s", flag)
		}
	}
	for _, notYet := range []string{} {
		if strings.Contains(out, "   "+notYet+" ") {
			t.Errorf("help lists %s, which does not exist yet", notYet)
		}
	}
}

func TestVersionTextAndJSON(t *testing.T) {
	out, _, code := runGLCD(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "glcd 1.2.3\n") || !strings.Contains(out, "commit:    abc1234") || !strings.Contains(out, "client-go: v0.37.2") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, args := range [][]string{{"version", "--output", "json"}, {"-o", "json", "version"}} {
		out, _, code = runGLCD(t, nil, args...)
		var got BuildInfo
		if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 {
			t.Fatalf("%v: exit %d, %v: %q", args, code, err, out)
		}
		if got != info {
			t.Fatalf("%v: got %+v", args, got)
		}
	}
}

func TestOutputFromEnvironment(t *testing.T) {
	out, _, code := runGLCD(t, []string{"GLCD_OUTPUT=json"}, "version")
	if code != 0 || !strings.HasPrefix(out, "{") {
		t.Fatalf("GLCD_OUTPUT=json ignored: exit %d, %q", code, out)
	}
}

// The environment handed to Run is the only one: a flag's variable in the process's own
// environment (which urfave/cli would read) sets nothing, and --debug names each value's source.
func TestFlagsReadOnlyTheEnvironmentGivenToRun(t *testing.T) {
	t.Setenv("GLCD_OUTPUT", "json")
	t.Setenv("GLCD_TIMEOUT", "0s")
	if out, errOut, code := runGLCD(t, nil, "version"); code != 0 || strings.HasPrefix(out, "{") {
		t.Fatalf("the process's GLCD_OUTPUT was read: exit %d, %q %s", code, out, errOut)
	}
	_, errOut, code := runGLCD(t, []string{"GLCD_FAIL_AFTER=5s", "KUBE_NAMESPACE=from-env", "GLCD_TIMEOUT=oops", "GLCD_DRY_RUN=server"},
		"apply", "--debug", "--dry-run", "none", "-f", "x.yaml")
	if code != exitcode.Usage || !strings.Contains(errOut, `GLCD_TIMEOUT="oops" (sets --timeout)`) {
		t.Fatalf("a bad value from the environment: exit %d\n%s", code, errOut)
	}
	_, errOut, _ = runGLCD(t, []string{"GLCD_FAIL_AFTER=5s", "KUBE_NAMESPACE=from-env", "GLCD_DRY_RUN=server"},
		"apply", "--debug", "--dry-run", "none", "-f", "x.yaml")
	for _, want := range []string{"name=--fail-after from=$GLCD_FAIL_AFTER", "name=--namespace from=$KUBE_NAMESPACE",
		"name=--dry-run from=--dry-run", "name=--debug from=--debug", "name=--filename from=--filename"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("--debug lacks %q:\n%s", want, errOut)
		}
	}
	// a global flag before the command wins over its variable, as one after it does
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kc, []byte("apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: \"https://127.0.0.1:1\"}}]\n"+
		"users: [{name: u, user: {token: t0ken-never-used}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(t.TempDir(), "cm.yaml")
	if err := os.WriteFile(manifest, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut2, _ := runGLCD(t, []string{"KUBECONFIG=" + kc, "KUBE_NAMESPACE=from-env", "PROJECT_NAME=app"}, "--namespace", "from-flag", "--debug", "apply", "-f", manifest, "--timeout", "5s")
	if !strings.Contains(errOut2, "name=--namespace from=--namespace") || !strings.Contains(errOut2, "namespace=from-flag") {
		t.Errorf("--namespace before the command lost to KUBE_NAMESPACE:\n%s", errOut2)
	}
	if strings.Contains(errOut, "name=--timeout") {
		t.Errorf("--timeout has its default, yet --debug names a source:\n%s", errOut)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{{"--output", "yaml", "version"}, {"no-such-command"}, {"--no-such-flag"}, {"version", "--bogus"}} {
		_, errOut, code := runGLCD(t, nil, args...)
		if code != exitcode.Usage {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errOut)
		}
		if !strings.HasPrefix(errOut, "glcd: ") && !strings.Contains(errOut, "Incorrect Usage") {
			t.Errorf("%v: stderr %q", args, errOut)
		}
	}
}

func TestSecretsFromTheEnvironmentAreMaskedInErrors(t *testing.T) {
	const secret = "glpat-NeverShowMe-1234"
	environ := []string{"CI_JOB_TOKEN=" + secret}
	out, errOut, code := runGLCD(t, environ, "--output", secret, "version")
	if code != exitcode.Usage {
		t.Fatalf("exit %d", code)
	}
	if strings.Contains(out+errOut, secret) {
		t.Fatalf("secret leaked: %q %q", out, errOut)
	}
	if !strings.Contains(errOut, `--output "[MASKED]"`) {
		t.Fatalf("stderr %q", errOut)
	}
}

// DESIGN.md: every flag has an environment binding, so .gitlab-ci.yml can set variables.
func TestEveryFlagHasAnEnvironmentBinding(t *testing.T) {
	app := newApp(&runtime{})
	check := func(where string, flags []cli.Flag) {
		for _, f := range flags {
			if f.Names()[0] == "help" {
				continue
			}
			ev, ok := f.(interface{ GetEnvVars() []string })
			if !ok || len(ev.GetEnvVars()) == 0 {
				t.Errorf("%s: flag --%s has no EnvVars", where, f.Names()[0])
				continue
			}
			if !strings.HasPrefix(ev.GetEnvVars()[0], "GLCD_") {
				t.Errorf("%s: flag --%s binds %v; the first binding must be GLCD_*", where, f.Names()[0], ev.GetEnvVars())
			}
		}
	}
	check("glcd", app.Flags)
	var walk func(prefix string, cmds []*cli.Command)
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			check(prefix+" "+c.Name, c.Flags)
			walk(prefix+" "+c.Name, c.Subcommands)
		}
	}
	walk("glcd", app.Commands)
}

// A zero or negative duration is bad input for every command that takes one (exit 2), and all
// of them are named at once.
func TestNonPositiveDurationsAreUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"rollout", "deployment/web", "--image", "a:1", "--timeout", "-1s", "--fail-after", "0s"},
		{"apply", "--timeout=-5m"},
		{"trigger", "--poll-interval", "0s"},
		{"writeback", "--retry-wait", "-1ms"},
		{"autotag", "--retry-wait", "0s"},
		{"executor", "gc", "--older-than", "-1h"},
	} {
		_, errOut, code := runGLCD(t, nil, args...)
		if code != 2 || !strings.Contains(errOut, "want a positive duration") {
			t.Errorf("glcd %s: exit %d, want 2 naming the duration:\n%s", strings.Join(args, " "), code, errOut)
		}
		if args[0] == "rollout" && !(strings.Contains(errOut, "--timeout -1s") && strings.Contains(errOut, "--fail-after 0s")) {
			t.Errorf("both bad durations must be named at once:\n%s", errOut)
		}
	}
}

// --timeout 0 means one thing for every command that has --timeout: it is refused (exit 2),
// and no help text promises it another meaning.
func TestTimeoutZeroMeansOneThing(t *testing.T) {
	app := newApp(&runtime{})
	var walk func(path []string, cmds []*cli.Command)
	found := 0
	walk = func(path []string, cmds []*cli.Command) {
		for _, c := range cmds {
			p := append(slices.Clone(path), c.Name)
			for _, f := range c.Flags {
				df, ok := f.(*cli.DurationFlag)
				if !ok || df.Name != "timeout" {
					continue
				}
				found++
				if strings.Contains(df.Usage, "0") {
					t.Errorf("glcd %s --help: --timeout says %q: 0 is refused", strings.Join(p, " "), df.Usage)
				}
				_, errOut, code := runGLCD(t, nil, append(slices.Clone(p), "--timeout", "0")...)
				if code != 2 || !strings.Contains(errOut, "--timeout 0s") || !strings.Contains(errOut, "want a positive duration") {
					t.Errorf("glcd %s --timeout 0: exit %d, want 2 naming --timeout:\n%s", strings.Join(p, " "), code, errOut)
				}
			}
			walk(p, c.Subcommands)
		}
	}
	walk(nil, app.Commands)
	if found < 5 {
		t.Errorf("found %d commands with --timeout, want rollout, apply, trigger, writeback, autotag and more", found)
	}
}

// A message names a flag once: the library says what is wrong, the command which flag.
func TestAFlagIsNamedOnce(t *testing.T) {
	for _, args := range [][]string{{"setup", "robot", "--for", "bogus"}, {"doctor", "--for", "bogus"}} {
		_, errOut, code := runGLCD(t, nil, args...)
		if code != 2 || strings.Count(errOut, "--for") != 1 || !strings.Contains(errOut, `--for: unknown command "bogus"`) {
			t.Errorf("glcd %s: exit %d, want 2 and --for named once:\n%s", strings.Join(args, " "), code, errOut)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, ok := range [][]string{
		{"glcd", "rollout", "deployment/web", "--image", "$IMAGE_NAME:$TARGET_IMAGE_VERSION", "--undo-on-failure"},
		{"glcd", "--debug", "trigger", "--wait", "--var", "A=b", "--timeout", "20m"},
		{"glcd", "version", "-o", "json"},
	} {
		if err := Validate(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"glcd", "deploy"}, `unknown command "deploy"`},
		{[]string{"glcd", "rollout", "--no-such-flag"}, "flag provided but not defined: -no-such-flag"},
		{[]string{"glcd", "trigger", "--timeout", "soon"}, "invalid value"},
	} {
		err := Validate(bad.args)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want %q", bad.args, err, bad.want)
		}
	}
}

// Files glcd reads whole are capped (ci.MaxFileSize): a bigger one is exit 2 naming it.
func TestOversizedFilesAreUsageErrors(t *testing.T) {
	dir := t.TempDir()
	big := func(name string) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.Truncate(ci.MaxFileSize + 1); err != nil { // sparse: no disk used
			t.Fatal(err)
		}
		return p
	}
	manifest, kubeconfig := big("huge.yaml"), big("huge.kubeconfig")
	makefileDir := filepath.Join(dir, "app")
	if err := os.Mkdir(makefileDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(big("Makefile"), filepath.Join(makefileDir, "Makefile")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		env  []string
		args []string
		file string
	}{
		{nil, []string{"apply", "-f", manifest}, manifest},
		{[]string{"KUBECONFIG=" + kubeconfig, "PROJECT_NAME=web", "IMAGE_NAME=r/web", "TARGET_IMAGE_VERSION=1"}, []string{"rollout"}, kubeconfig},
		{[]string{"CI_PROJECT_DIR=" + makefileDir, "CI_API_V4_URL=https://gitlab.example.com/api/v4", "INFRA_PIPELINE_TOKEN=t0ken-for-test"},
			[]string{"trigger", "--project", "g/infra", "--ref", "main"}, "Makefile"},
	} {
		_, errOut, code := runGLCD(t, c.env, c.args...)
		if code != 2 || !strings.Contains(errOut, c.file) || !strings.Contains(errOut, "larger than 16 MiB") {
			t.Errorf("glcd %s: exit %d, want 2 naming %s:\n%s", strings.Join(c.args, " "), code, c.file, errOut)
		}
	}
}

// rollout checks every variable it uses, the workload and the image, and lists every problem
// in one message before it talks to any cluster.
func TestRolloutListsEveryBadInputAtOnce(t *testing.T) {
	env := []string{"PROJECT_NAME=Job_Board", "POD_NAME=web!", "IMAGE_NAME=registry.example.com/Group/App", "TARGET_IMAGE_VERSION=-1.4",
		"KUBECONFIG=/nonexistent/kubeconfig", "KUBE_NAMESPACE=Prod"}
	_, errOut, code := runGLCD(t, env, "rollout")
	if code != 2 {
		t.Fatalf("exit %d, want 2:\n%s", code, errOut)
	}
	for _, want := range []string{"PROJECT_NAME=\"Job_Board\"", "POD_NAME=\"web!\"", "IMAGE_NAME=", "TARGET_IMAGE_VERSION=\"-1.4\"", "KUBECONFIG=", "KUBE_NAMESPACE=\"Prod\""} {
		if !strings.Contains(errOut, want) {
			t.Errorf("the error lacks %s:\n%s", want, errOut)
		}
	}
	// a workload and image given on the command line are checked too, with the rest
	_, errOut, code = runGLCD(t, []string{"KUBE_NAMESPACE=Prod"}, "rollout", "cronjob/web", "--image", "registry.example.com/App:1")
	if code != 2 || !strings.Contains(errOut, `workload "cronjob/web"`) || !strings.Contains(errOut, `image "registry.example.com/App:1"`) || !strings.Contains(errOut, "KUBE_NAMESPACE") {
		t.Errorf("exit %d:\n%s", code, errOut)
	}
}

func TestFlagEnvVars(t *testing.T) {
	vars := FlagEnvVars()
	for env, want := range map[string][]string{
		"GLCD_IMAGE":      {"rollout --image", "writeback --image"},
		"KUBE_NAMESPACE":  {"--namespace"},
		"GLCD_INIT_IMAGE": {"init infra --image"},
	} {
		if !slices.Equal(vars[env], want) {
			t.Errorf("%s sets %q, want %q", env, vars[env], want)
		}
	}
}
