package trigger

import (
	"context"
	"testing"
	"time"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/gitlab"
	"gitlab.com/glcd/glcd/internal/testbed/gitlabapi"
)

// benchmark runs b.N trigger runs against the double, each pipeline going through statuses,
// and reports the requests each run sent.
func benchmark(b *testing.B, wait bool, statuses ...string) {
	s := gitlabapi.New()
	b.Cleanup(s.Close)
	s.AddProject(gitlabapi.Project{ID: 7, Path: "group/app-infra", TriggerTokens: []string{triggerToken}})
	s.AddToken(gitlabapi.Token{Kind: gitlabapi.PrivateToken, Value: readToken})
	api, err := gitlab.New(gitlab.Options{APIURL: s.APIURL(), Token: ci.NewSecret(readToken)})
	if err != nil {
		b.Fatal(err)
	}
	plan := &Plan{APIURL: s.APIURL(), Project: "group/app-infra", Ref: "main", Token: ci.NewSecret(triggerToken), TokenFrom: "bench",
		Variables: []Variable{{"TARGET_IMAGE_VERSION", "1.4.0", "bench"}, {"PROJECT_NAME", "jobboard", "bench"}}}
	noWait := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	for b.Loop() {
		s.Script(gitlabapi.Script{Statuses: statuses})
		res, err := Run(context.Background(), api, plan, Options{Wait: wait, Sleep: noWait})
		if err != nil {
			b.Fatal(err)
		}
		if res.Pipeline.Status != statuses[len(statuses)-1] && wait {
			b.Fatalf("ended %s", res.Pipeline.Status)
		}
	}
	b.ReportMetric(float64(len(s.Requests()))/float64(b.N), "requests/op")
}

// BenchmarkTrigger measures the trigger call alone: one POST per run.
func BenchmarkTrigger(b *testing.B) { benchmark(b, false, "created") }

// BenchmarkTriggerAndWait measures a trigger followed to success through four status
// changes: one POST and one GET per poll until the pipeline ends (5 requests per run).
func BenchmarkTriggerAndWait(b *testing.B) {
	benchmark(b, true, "created", "pending", "running", "running", "success")
}
