package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Recorded is one call GitLab Runner made to its custom executor driver, as the executor's
// real-runner tests record it (executor/testdata/runner-<version>/CASE/jobN/NN-STAGE/): the
// arguments, the environment in the order the runner built it, the response file, the stage
// script, and the driver's exit code. Values of the recording run are {{PLACEHOLDERS}}.
type Recorded struct {
	Dir      string
	Argv     []string
	Env      [][2]string
	Response string
	Script   string
	Exit     int
}

// LoadRecording reads a recorded job: its calls in the order the runner made them.
func LoadRecording(dir string) ([]Recorded, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var calls []Recorded
	for _, n := range names {
		d := filepath.Join(dir, n)
		c := Recorded{Dir: d}
		argv, err := os.ReadFile(filepath.Join(d, "argv"))
		if err != nil {
			return nil, err
		}
		c.Argv = strings.Split(strings.TrimRight(string(argv), "\n"), "\n")
		env, err := os.ReadFile(filepath.Join(d, "env.json"))
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(env, &c.Env); err != nil {
			return nil, fmt.Errorf("%s: %w", d, err)
		}
		if b, err := os.ReadFile(filepath.Join(d, "response.json")); err == nil {
			c.Response = string(b)
		}
		if b, err := os.ReadFile(filepath.Join(d, "script")); err == nil {
			c.Script = string(b)
		}
		if b, err := os.ReadFile(filepath.Join(d, "exit")); err == nil {
			c.Exit, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		calls = append(calls, c)
	}
	return calls, nil
}

// Stage is the call's stage: config, prepare, cleanup, or run:NAME.
func (c *Recorded) Stage() string {
	if len(c.Argv) > 1 && c.Argv[1] == "run" {
		return "run:" + c.Argv[len(c.Argv)-1]
	}
	if len(c.Argv) > 1 {
		return c.Argv[1]
	}
	return ""
}

// Replay makes the recorded calls of one job again, in order, with this run's values for
// the placeholders (subs: "JOB_TOKEN" -> the token, ...): the driver gets exactly what GitLab
// Runner gave it, but for those values. The runner's own process environment (PATH, HOME,
// KUBECONFIG) is this runner's; TMPDIR is a new folder, in which the response file and the
// scripts are written where the runner wrote them; config's job_env replaces the recorded one.
func (rn *Runner) Replay(ctx context.Context, calls []Recorded, subs map[string]string) (*Result, error) {
	tmp, err := os.MkdirTemp("", "custom-executor")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	values := map[string]string{"TMPDIR": tmp, "HOME": tmp, "PATH": os.Getenv("PATH"), "KUBECONFIG": rn.Kubeconfig,
		"SETTINGS": rn.Settings, "GLCD": rn.Bin}
	for k, v := range subs {
		values[k] = v
	}
	res := &Result{}
	for _, c := range calls {
		fill := func(s string) string {
			for k, v := range values {
				s = strings.ReplaceAll(s, "{{"+k+"}}", v)
			}
			return s
		}
		var env []string
		for _, kv := range c.Env {
			env = append(env, kv[0]+"="+fill(kv[1]))
		}
		for _, kv := range c.Env {
			if kv[0] == "JOB_RESPONSE_FILE" && c.Response != "" {
				if err := writeFile(fill(kv[1]), fill(c.Response)); err != nil {
					return res, err
				}
			}
		}
		var args []string
		for _, a := range c.Argv[4:] { // after: executor STAGE --config SETTINGS
			args = append(args, fill(a))
		}
		if c.Script != "" && len(args) == 2 {
			if err := writeFile(args[0], fill(c.Script)); err != nil {
				return res, err
			}
		}
		call, err := rn.Invoke(ctx, env, c.Argv[1], args, "")
		if err != nil {
			return res, err
		}
		call.Stage = c.Stage()
		res.Calls = append(res.Calls, *call)
		if c.Argv[1] == "config" && call.Code == 0 {
			res.Config = ConfigOutput{}
			if err := json.Unmarshal(lastJSON(call.Stdout), &res.Config); err != nil {
				return res, fmt.Errorf("config printed no JSON (%v): %s", err, call.Out)
			}
			res.Pod = res.Config.Hostname
			for k, v := range res.Config.JobEnv {
				values[k] = v
			}
		}
		if strings.HasPrefix(call.Stage, "run:") && call.Code != 0 && res.FailedStage == "" {
			res.FailedStage = strings.TrimPrefix(call.Stage, "run:")
			for _, kv := range c.Env {
				if kv[0] == "BUILD_EXIT_CODE_FILE" {
					if b, err := os.ReadFile(fill(kv[1])); err == nil {
						res.BuildExitCode, _, _ = strings.Cut(strings.TrimSpace(string(b)), "\n")
					}
				}
			}
		}
	}
	return res, nil
}

func writeFile(p, content string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(content), 0o700)
}
