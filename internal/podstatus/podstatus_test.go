package podstatus_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"gitlab.com/glcd/glcd/internal/podstatus"
)

var now = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// pod is a pod of one container "web" (with an optional readiness probe) whose status is st.
func pod(st corev1.ContainerStatus, mods ...func(*corev1.Pod)) *corev1.Pod {
	st.Name = "web"
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-1"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web"}}, RestartPolicy: corev1.RestartPolicyAlways},
		Status:     corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{st}},
	}
	for _, m := range mods {
		m(p)
	}
	return p
}

func waiting(reason, msg string) corev1.ContainerStatus {
	return corev1.ContainerStatus{State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}}
}

func terminated(reason string, code int32, restarts int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{RestartCount: restarts,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: reason, ExitCode: code, Message: " last words \n"}}}
}

func running(since time.Duration, ready bool) corev1.ContainerStatus {
	return corev1.ContainerStatus{Ready: ready, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(now.Add(-since))}}}
}

// probe gives the container a readiness probe: 2 s initial delay, every 1 s, 3 failures, 1 s timeout (a budget of 6 s).
func probe(p *corev1.Pod) {
	p.Spec.Containers[0].ReadinessProbe = &corev1.Probe{InitialDelaySeconds: 2, PeriodSeconds: 1, FailureThreshold: 3, TimeoutSeconds: 1}
}

func TestClassifyKnowsEveryReason(t *testing.T) {
	cases := []struct {
		name       string
		pod        *corev1.Pod
		reason     string // "" : no problem
		definitive bool
		inMessage  string
		exitCode   int32
	}{
		{"missing image", pod(waiting("ErrImagePull", `failed to pull "r.example/app:9": r.example/app:9: not found`)), podstatus.ImageNotFound, true, "not found", 0},
		{"missing image, backing off", pod(waiting("ImagePullBackOff", `Back-off pulling image: manifest unknown`)), podstatus.ImageNotFound, true, "manifest unknown", 0},
		{"no pull secret", pod(waiting("ErrImagePull", "failed to authorize: 401 Unauthorized")), podstatus.ImagePullUnauthorized, true, "imagePullSecret", 0},
		{"pull denied", pod(waiting("ErrImagePull", "pull access denied")), podstatus.ImagePullUnauthorized, true, "denied", 0},
		{"unknown registry", pod(waiting("ErrImagePull", "dial tcp: lookup regsitry.example: no such host")), podstatus.RegistryHostUnknown, true, "registry name right", 0},
		{"registry trouble", pod(waiting("ErrImagePull", "dial tcp 10.0.0.9:443: i/o timeout")), podstatus.ErrImagePull, false, "i/o timeout", 0},
		{"bad image name", pod(waiting("InvalidImageName", `couldn't parse image name "App:1"`)), podstatus.InvalidImageName, true, "App:1", 0},
		{"missing configmap", pod(waiting("CreateContainerConfigError", `configmap "cfg" not found`)), podstatus.CreateContainerConfigError, false, `configmap "cfg"`, 0},
		{"cannot create", pod(waiting("CreateContainerError", "no command specified")), podstatus.CreateContainerConfigError, false, "no command", 0},
		{"cannot start", pod(waiting("RunContainerError", `exec: "/app": permission denied`)), podstatus.ContainerCannotRun, false, "permission denied", 0},
		{"crashed once", pod(terminated("Error", 3, 1)), podstatus.CrashLoopBackOff, false, "last words", 3},
		{"crashed three times", pod(terminated("Error", 3, 3)), podstatus.CrashLoopBackOff, true, "", 3},
		{"crash of a run-once pod", pod(terminated("Error", 2, 0), func(p *corev1.Pod) { p.Spec.RestartPolicy = corev1.RestartPolicyNever }), podstatus.CrashLoopBackOff, true, "", 2},
		{"crash seen while backing off", pod(corev1.ContainerStatus{RestartCount: 2,
			State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 1}}}), podstatus.CrashLoopBackOff, false, "", 1},
		{"out of memory", pod(terminated("OOMKilled", 137, 1)), podstatus.OOMKilled, false, "", 137},
		{"unschedulable", pod(corev1.ContainerStatus{}, func(p *corev1.Pod) {
			p.Status.ContainerStatuses = nil
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable, Message: "0/1 nodes are available: 1 Insufficient cpu."}}
		}), podstatus.Unschedulable, false, "Insufficient cpu", 0},
		{"never ready", pod(running(7*time.Second, false), probe), podstatus.ReadinessNeverReached, false, "3 failures allowed every 1s", 0},
		{"evicted", pod(running(time.Minute, false), func(p *corev1.Pod) {
			p.Status.Phase, p.Status.Reason, p.Status.Message = corev1.PodFailed, "Evicted", "The node was low on resource: memory."
		}), podstatus.PodFailed, true, "Evicted The node was low", 0},

		// what is not a problem (yet)
		{"ready", pod(running(time.Hour, true), probe), "", false, "", 0},
		{"within its probe budget", pod(running(5*time.Second, false), probe), "", false, "", 0},
		{"no probe: running is ready", pod(running(time.Hour, false)), "", false, "", 0},
		{"creating", pod(waiting("ContainerCreating", "")), "", false, "", 0},
		{"exited 0", pod(terminated("Completed", 0, 0)), "", false, "", 0},
		{"being deleted", pod(terminated("Error", 3, 5), func(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{Time: now} }), "", false, "", 0},
		{"init container done", pod(corev1.ContainerStatus{}, func(p *corev1.Pod) {
			p.Status.ContainerStatuses = nil
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "migrate", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed"}}}}
		}), "", false, "", 0},
	}
	covered := map[string]bool{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := podstatus.Classify(c.pod, now)
			if c.reason == "" {
				if len(got) != 0 {
					t.Fatalf("want no problem, got %v", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("want one %s, got %v", c.reason, got)
			}
			p := got[0]
			if p.Reason != c.reason || p.Definitive != c.definitive || !strings.Contains(p.Message, c.inMessage) || p.Pod != "web-1" {
				t.Errorf("got %+v (%s), want reason %s, definitive %v, message with %q", p, p, c.reason, c.definitive, c.inMessage)
			}
			if c.exitCode != 0 && (p.ExitCode == nil || *p.ExitCode != c.exitCode || !p.Crashed || !p.HasLog) {
				t.Errorf("want a crash with exit code %d and a log: %+v", c.exitCode, p)
			}
		})
		covered[c.reason] = true
	}
	for _, r := range podstatus.Reasons() {
		if !covered[r] {
			t.Errorf("no case gives %s", r)
		}
	}
	if len(podstatus.Reasons()) != len(slices.Compact(slices.Sorted(slices.Values(podstatus.Reasons())))) {
		t.Errorf("Reasons lists one twice: %v", podstatus.Reasons())
	}
}

// An init container that crashes is reported by its own name, and the main container's
// waiting state (PodInitializing) is not.
func TestClassifyNamesTheCrashingInitContainer(t *testing.T) {
	p := pod(waiting("PodInitializing", ""), func(p *corev1.Pod) {
		p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "migrate", RestartCount: 3,
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 4}}}}
	})
	got := podstatus.Classify(p, now)
	if len(got) != 1 || got[0].Container != "migrate" || got[0].Reason != podstatus.CrashLoopBackOff || !got[0].Definitive {
		t.Fatalf("got %v", got)
	}
	if want := "pod/web-1 container migrate: CrashLoopBackOff (exit code 4, 3 restarts)"; got[0].String() != want {
		t.Errorf("String() = %q, want %q", got[0].String(), want)
	}
}

// Crashed sees a crash loop between two crashes, where Classify sees a running container.
func TestCrashedSeesTheLastCrashOfARunningContainer(t *testing.T) {
	again := corev1.ContainerStatus{RestartCount: 2,
		State:                corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(now)}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 3}}}
	p := pod(again)
	if got := podstatus.Classify(p, now); len(got) != 0 {
		t.Fatalf("Classify: %v, want nothing for a running container", got)
	}
	got := podstatus.Crashed(p)
	if len(got) != 1 || got[0].String() != "pod/web-1 container web: CrashLoopBackOff (exit code 3, 2 restarts): running again since 2026-12-06T12:00:00Z" {
		t.Fatalf("Crashed: %v", got)
	}
	again.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}
	if got := podstatus.Crashed(pod(again)); len(got) != 1 || got[0].Reason != podstatus.OOMKilled {
		t.Errorf("after an OOM kill: %v", got)
	}
	for name, st := range map[string]corev1.ContainerStatus{
		"never restarted":        running(time.Minute, true),
		"restarted after exit 0": {RestartCount: 1, State: again.State, LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed"}}},
		"not running":            terminated("Error", 3, 1),
	} {
		if got := podstatus.Crashed(pod(st)); len(got) != 0 {
			t.Errorf("%s: %v", name, got)
		}
	}
}
