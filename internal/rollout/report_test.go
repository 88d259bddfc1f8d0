package rollout

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/podstatus"
)

// A thousand failing pods make a report of a few lines: reasons counted, a few examples each.
func TestReportOfManyFailingPodsIsBounded(t *testing.T) {
	var probs []podstatus.Problem
	code := int32(1)
	for i := range 1000 {
		p := podstatus.Problem{Pod: fmt.Sprintf("web-%04d", i), Container: "web", Reason: podstatus.CrashLoopBackOff, ExitCode: &code, Restarts: 2, Crashed: true, HasLog: true}
		if i%100 == 7 {
			p = podstatus.Problem{Pod: fmt.Sprintf("web-%04d", i), Container: "web", Reason: "CreateContainerConfigError", Message: `configmap "cfg" not found`}
		}
		probs = append(probs, p)
	}
	pods, groups := grouped(probs)
	if len(pods) != 2*maxExamples {
		t.Errorf("kept %d problems, want %d examples of each of 2 reasons", len(pods), 2*maxExamples)
	}
	if fmt.Sprint(groups) != fmt.Sprintf("[{%s 990} {CreateContainerConfigError 10}]", podstatus.CrashLoopBackOff) {
		t.Errorf("groups %v", groups)
	}
	var b bytes.Buffer
	WriteReport(&b, &Result{Outcome: Outcome{Status: StatusFailed, Reason: podstatus.CrashLoopBackOff, Message: probs[0].String(), Pods: pods, Groups: groups,
		Pending: []string{"pod/web-0000 (Running)"}, PendingMore: 999}, Workload: "deployment/web"})
	out := b.String()
	for _, want := range []string{
		"pod/web-0000 container web: CrashLoopBackOff (exit code 1, 2 restarts)",
		"pod/web-0002 container web: CrashLoopBackOff",
		"... 990 pods in all with CrashLoopBackOff (987 more not shown)",
		`pod/web-0007 container web: CreateContainerConfigError: configmap "cfg" not found`,
		"... 10 pods in all with CreateContainerConfigError (7 more not shown)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "web-0003 ") || strings.Contains(out, "still not ready") {
		t.Errorf("report shows more than the examples (or a failure's pending pods):\n%s", out)
	}
	if n := strings.Count(out, "\n"); n > 12 {
		t.Errorf("report of 1000 failing pods has %d lines:\n%s", n, out)
	}
}

// A timeout names the first pods not ready and counts the others.
func TestTimeoutReportCountsThePendingPods(t *testing.T) {
	var b bytes.Buffer
	WriteReport(&b, &Result{Outcome: Outcome{Status: StatusTimeout, Message: "3/1000 updated", Pending: []string{"pod/web-1 (Pending)"}, PendingMore: 996}, Workload: "deployment/web"})
	for _, want := range []string{"still not ready: pod/web-1 (Pending)", "... and 996 more pods not ready"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}
