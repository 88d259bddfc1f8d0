package rollout_test

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	watchtools "k8s.io/client-go/tools/watch"

	"gitlab.com/glcd/glcd/internal/podstatus"
	"gitlab.com/glcd/glcd/internal/rollout"
)

func TestCrashedRunIsPrevious(t *testing.T) {
	crash := &corev1.ContainerStateTerminated{ExitCode: 3, Reason: "Error"}
	for _, c := range []struct {
		name string
		cs   corev1.ContainerStatus
		want bool
	}{
		{"terminated after its first run", corev1.ContainerStatus{State: corev1.ContainerState{Terminated: crash}}, false},
		{"terminated again after a restart", corev1.ContainerStatus{RestartCount: 2, State: corev1.ContainerState{Terminated: crash},
			LastTerminationState: corev1.ContainerState{Terminated: crash}}, false},
		{"OOM-killed with exit 0", corev1.ContainerStatus{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled"}}}, false},
		{"waiting to restart", corev1.ContainerStatus{RestartCount: 1, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
			LastTerminationState: corev1.ContainerState{Terminated: crash}}, true},
		{"running again", corev1.ContainerStatus{RestartCount: 1, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
			LastTerminationState: corev1.ContainerState{Terminated: crash}}, true},
		{"never crashed", corev1.ContainerStatus{State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}, false},
	} {
		if got := rollout.CrashedRunIsPrevious(c.cs); got != c.want {
			t.Errorf("%s: CrashedRunIsPrevious = %v, want %v", c.name, got, c.want)
		}
	}
}

// countingCrash is a container that counts its runs in an emptyDir that outlives restarts:
// the first run crashes with a line naming its number, later ones run on (or crash too).
func countingCrash(later string) []string {
	return []string{"sh", "-c", `n=$(cat /d/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /d/n; echo "run $n starting"
if [ $n = 1 ]; then echo "boom: run $n crashed" >&2; exit 3; fi; ` + later}
}

// The log of a crashed container is the crashed run's, under one heading, whether the kubelet
// shows the container terminated (a pod that does not restart) or already running again.
func TestCrashLogIsTheCrashedRunInEveryState(t *testing.T) {
	ns := tb.Namespace(t)
	for _, c := range []struct {
		name    string
		restart corev1.RestartPolicy
		later   string
		// until is the state the test waits for before reading the log
		until func(cs corev1.ContainerStatus) bool
	}{
		{"terminated", corev1.RestartPolicyNever, "",
			func(cs corev1.ContainerStatus) bool { return cs.State.Terminated != nil }},
		{"running-again", corev1.RestartPolicyAlways, "echo 'run 2 is fine'; exec sleep 3600",
			func(cs corev1.ContainerStatus) bool { return cs.RestartCount == 1 && cs.State.Running != nil }},
	} {
		t.Run(c.name, func(t *testing.T) {
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: c.name}, Spec: corev1.PodSpec{
				RestartPolicy: c.restart,
				Volumes:       []corev1.Volume{{Name: "d", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
				Containers: []corev1.Container{{Name: "web", Image: "testbed.local/app:1", Command: countingCrash(c.later),
					VolumeMounts: []corev1.VolumeMount{{Name: "d", MountPath: "/d"}}}},
			}}
			ctx := ctxT(t)
			if _, err := tb.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			w, err := tb.Client.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", c.name).String()})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := watchtools.UntilWithoutRetry(ctx, w, func(ev watch.Event) (bool, error) {
				p, ok := ev.Object.(*corev1.Pod)
				return ok && len(p.Status.ContainerStatuses) == 1 && c.until(p.Status.ContainerStatuses[0]), nil
			}); err != nil {
				t.Fatalf("pod never reached the %s state: %v", c.name, err)
			}
			logs := rollout.CollectLogs(ctx, tb.Client, ns, []podstatus.Problem{{Pod: c.name, Container: "web", Reason: podstatus.CrashLoopBackOff, HasLog: true, Crashed: true}})
			if len(logs) != 1 || logs[0].Error != "" || !logs[0].Crashed {
				t.Fatalf("logs %+v", logs)
			}
			// the run's stdout and stderr lines, in whichever order the runtime wrote them, and
			// nothing of a later run
			got := logs[0].Lines
			slices.Sort(got)
			if !slices.Equal(got, []string{"boom: run 1 crashed", "run 1 starting"}) {
				t.Errorf("the log shown is not the crashed run's:\n%s", strings.Join(logs[0].Lines, "\n"))
			}
			var b strings.Builder
			rollout.WriteReport(&b, &rollout.Result{Outcome: rollout.Outcome{Status: rollout.StatusFailed}, Workload: "deployment/web", Logs: logs})
			wantIn(t, b.String(), "log of the crashed run of pod/"+c.name+" container web", "  | boom: run 1 crashed")
		})
	}
}
