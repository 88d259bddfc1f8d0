package executor_test

// What GitLab Runner 17.9.3 really hands the driver, replayed: the real-runner tests
// (realrunner_test.go, make test-real-runner RECORD=1) record every call of theirs (argv, the
// environment in the runner's order, the response file, the stage scripts the runner
// generated, the exit code) into testdata/runner-17.9.3; here the stand-in runner makes those
// calls again, with this run's token, server, commit and namespace, against the built glcd,
// and each must end as it did under the real runner.

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gitlab.com/glcd/glcd/internal/testbed/coordinator"
	"gitlab.com/glcd/glcd/internal/testbed/gitserver"
	"gitlab.com/glcd/glcd/internal/testbed/runner"
)

const recordings = "testdata/runner-" + runner.Version

func TestReplayOfGitLabRunner(t *testing.T) {
	for _, c := range []struct {
		name     string
		settings []string
		cache    bool
		// want: per recorded job, text its output holds
		want [][]string
	}{
		{name: "ScriptFailureAndSuccess", want: [][]string{
			{"in HELLO FROM THE REPO", "secret=[MASKED]", "after-script ran"},
			{"all good", "after-script ran"},
		}},
		{name: "CacheAndArtifactsWithGitLabsHelperLayout", settings: []string{"cache:\n  pvc: ci-cache"}, cache: true, want: [][]string{
			{"Creating cache deps-non_protected", "Uploading artifacts"},
			{"Successfully extracted cache", "dependencies of job one"},
		}},
		{name: "CacheWithoutAVolumeIsToldOnce", want: [][]string{{"this runner keeps no cache volume"}}},
		{name: "ServiceByAlias", want: [][]string{{"service-ok"}}},
		{name: "MissingImageFailsFastOnce", want: [][]string{{"ImageNotFound"}}},
		{name: "ForgedProjectIsRefused", want: [][]string{{`the job sets CI_PROJECT_ID="7" in its variables`}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			jobs, err := filepath.Glob(filepath.Join(recordings, c.name, "job*"))
			must(t, err)
			if len(jobs) != len(c.want) {
				t.Fatalf("%d recorded jobs in %s, want %d: record them with make test-real-runner RECORD=1", len(jobs), filepath.Join(recordings, c.name), len(c.want))
			}
			ns := namespace(t)
			if c.cache {
				cacheVolume(t, ns)
			}
			rn := newRunner(t, ns, c.settings...)
			coord := coordinator.New("unused")
			git := gitserver.Start(t, gitserver.Options{TLS: true, Addr: tb.HostIP, API: coord})
			sha := git.Seed(t, "group/app.git", "main", gitserver.Commit{Files: map[string]string{"README.md": "hello from the repo\n"}, Message: "init"})
			ca, err := os.ReadFile(git.CAFile)
			must(t, err)
			pem := strings.TrimSpace(string(ca))
			project := strconv.FormatInt(time.Now().UnixNano()%1000000+100000, 10)
			for i, dir := range jobs {
				calls, err := runner.LoadRecording(dir)
				must(t, err)
				token, masked := randomToken(t, "glcbt-64_"), randomToken(t, "masked-var-")
				jobCounter++
				id := jobCounter
				git.AddToken(gitserver.Token{User: "gitlab-ci-token", Value: token, ReadOnly: true})
				coord.Enqueue(&coordinator.Job{ID: id, Token: token})
				res, err := rn.Replay(ctxFor(t, 3*time.Minute), calls, map[string]string{
					"JOB_TOKEN": token, "SERVER_URL": git.URL, "SERVER_HOST": strings.TrimPrefix(git.URL, "https://"), "SHA": sha,
					"JOB_ID": strconv.FormatInt(id, 10), "PROJECT_ID": project, "CA_PEM": pem, "CA_PEM_ESCAPED": strings.ReplaceAll(pem, "\n", `\n`),
					"CA_PEM_ESCAPED_TWICE": strings.ReplaceAll(pem, "\n", `\\n`),
					"NAMESPACE":            ns, "MASKED_DEPLOY_PASSWORD": masked,
				})
				must(t, err)
				out := res.Output()
				for k, call := range res.Calls {
					if want := calls[k].Exit; call.Code != want {
						t.Errorf("job %d, %s exited %d; under GitLab Runner %s it exited %d:\n%s", i+1, call.Stage, call.Code, runner.Version, want, call.Out)
					}
				}
				wantOut(t, out, c.want[i]...)
				for _, s := range []string{token, masked} {
					if strings.Contains(out, s) {
						t.Errorf("job %d: the driver's output holds the secret %q", i+1, s)
					}
				}
				assertNoPods(t, ns, strconv.FormatInt(id, 10))
			}
		})
	}
}
