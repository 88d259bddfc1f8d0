// Package podstatus tells why a pod is not running or not getting ready: its image (missing,
// unauthorized, unknown registry, bad name, pull trouble), a crash or OOM kill, a config error,
// scheduling, a readiness probe that never passes, or a failed pod; and whether that will fix
// itself. The rollout watch and the executor's job pods both read pods through it.
package podstatus

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Reasons a pod is not getting ready, as glcd reports them.
const (
	CrashLoopBackOff           = "CrashLoopBackOff"
	OOMKilled                  = "OOMKilled"
	ImageNotFound              = "ImageNotFound"
	ImagePullUnauthorized      = "ImagePullUnauthorized"
	ErrImagePull               = "ErrImagePull" // network or registry trouble: transient until --fail-after
	RegistryHostUnknown        = "RegistryHostUnknown"
	InvalidImageName           = "InvalidImageName"
	CreateContainerConfigError = "CreateContainerConfigError"
	Unschedulable              = "Unschedulable"
	ReadinessNeverReached      = "ReadinessNeverReached"
	PodFailed                  = "PodFailed"
	ContainerCannotRun         = "ContainerCannotRun"
)

// Reasons lists every reason Classify gives.
func Reasons() []string {
	return []string{CrashLoopBackOff, OOMKilled, ImageNotFound, ImagePullUnauthorized, ErrImagePull, RegistryHostUnknown,
		InvalidImageName, CreateContainerConfigError, Unschedulable, ReadinessNeverReached, PodFailed, ContainerCannotRun}
}

// Problem is why one pod of the new revision is not getting ready.
type Problem struct {
	Pod        string `json:"pod"`
	Container  string `json:"container,omitempty"`
	Reason     string `json:"reason"`
	Message    string `json:"message,omitempty"`
	ExitCode   *int32 `json:"exitCode,omitempty"`
	Restarts   int32  `json:"restarts,omitempty"`
	Definitive bool   `json:"-"` // no grace: it will not fix itself
	// Crashed says the container's run ended in a crash: the log worth showing is that run's.
	Crashed bool `json:"-"`
	// HasLog says the container ran, so it has a log to show.
	HasLog bool `json:"-"`
}

func (p Problem) Key() string { return p.Pod + "/" + p.Container + "/" + p.Reason }

// String is the one-line form used in reports.
func (p Problem) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "pod/%s", p.Pod)
	if p.Container != "" {
		fmt.Fprintf(&b, " container %s", p.Container)
	}
	fmt.Fprintf(&b, ": %s", p.Reason)
	if p.ExitCode != nil {
		fmt.Fprintf(&b, " (exit code %d", *p.ExitCode)
		if p.Restarts > 0 {
			fmt.Fprintf(&b, ", %d restarts", p.Restarts)
		}
		b.WriteString(")")
	}
	if p.Message != "" {
		fmt.Fprintf(&b, ": %s", p.Message)
	}
	return b.String()
}

// Classify returns the problems a pod shows now: why it is not getting ready, and whether
// that will fix itself (Definitive). The executor uses it for job pods too.
func Classify(pod *corev1.Pod, now time.Time) []Problem {
	if pod.DeletionTimestamp != nil {
		return nil
	}
	if pod.Status.Phase == corev1.PodFailed {
		return []Problem{{Pod: pod.Name, Reason: PodFailed, Message: strings.TrimSpace(pod.Status.Reason + " " + pod.Status.Message), Definitive: true}}
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return []Problem{{Pod: pod.Name, Reason: Unschedulable, Message: c.Message}}
		}
	}
	var out []Problem
	probes := map[string]*corev1.Probe{}
	for _, c := range pod.Spec.Containers {
		probes[c.Name] = c.ReadinessProbe
	}
	check := func(statuses []corev1.ContainerStatus, init bool) {
		for _, cs := range statuses {
			if p, ok := classifyContainer(pod, cs, init, probes[cs.Name], now); ok {
				out = append(out, p)
			}
		}
	}
	check(pod.Status.InitContainerStatuses, true)
	check(pod.Status.ContainerStatuses, false)
	return out
}

// Crashed returns a problem for each container of pod that runs again after its last run
// crashed (exit code not 0, or OOM killed): what a look at one moment (glcd doctor) sees of a
// crash loop between two crashes, where Classify sees a running container. The rollout watch
// does not use it: a container that crashed once and runs since may well be fine.
func Crashed(pod *corev1.Pod) []Problem {
	var out []Problem
	for _, cs := range pod.Status.ContainerStatuses {
		last := cs.LastTerminationState.Terminated
		if cs.State.Running == nil || cs.RestartCount == 0 || last == nil || last.ExitCode == 0 && last.Reason != "OOMKilled" {
			continue
		}
		p := Problem{Pod: pod.Name, Container: cs.Name, Reason: CrashLoopBackOff, Restarts: cs.RestartCount, Crashed: true, HasLog: true,
			Message: "running again since " + cs.State.Running.StartedAt.UTC().Format(time.RFC3339)}
		if last.Reason == "OOMKilled" {
			p.Reason = OOMKilled
		}
		code := last.ExitCode
		p.ExitCode = &code
		out = append(out, p)
	}
	return out
}

func classifyContainer(pod *corev1.Pod, cs corev1.ContainerStatus, init bool, probe *corev1.Probe, now time.Time) (Problem, bool) {
	p := Problem{Pod: pod.Name, Container: cs.Name, Restarts: cs.RestartCount}
	if w := cs.State.Waiting; w != nil {
		switch w.Reason {
		case "ErrImagePull", "ImagePullBackOff":
			p.Reason, p.Message = classifyPull(w.Message)
			p.Definitive = p.Reason != ErrImagePull
			return p, true
		case "InvalidImageName":
			p.Reason, p.Message, p.Definitive = InvalidImageName, w.Message, true
			return p, true
		case "CreateContainerConfigError", "CreateContainerError":
			p.Reason, p.Message = CreateContainerConfigError, w.Message
			return p, true
		case "RunContainerError", "ContainerCannotRun", "StartError":
			p.Reason, p.Message = ContainerCannotRun, w.Message
			return p, true
		}
	}
	// crash loops: on v1.37 kubelets the waiting reason CrashLoopBackOff shows only briefly; most
	// of the time the container is terminated (reason Error), so lastState and restarts tell.
	term := cs.State.Terminated
	if term == nil && cs.State.Waiting != nil && cs.RestartCount > 0 {
		term = cs.LastTerminationState.Terminated
	}
	if term != nil && (term.ExitCode != 0 || term.Reason == "OOMKilled") && !(init && term.ExitCode == 0) {
		if pod.Spec.RestartPolicy == corev1.RestartPolicyNever && !init {
			p.Definitive = true
		}
		p.Reason = CrashLoopBackOff
		if term.Reason == "OOMKilled" {
			p.Reason = OOMKilled
		}
		code := term.ExitCode
		p.ExitCode = &code
		p.Message = strings.TrimSpace(term.Message)
		p.Crashed = true
		p.HasLog = true
		if cs.RestartCount >= 3 {
			p.Definitive = true // repeated restarts: no need to wait any longer
		}
		return p, true
	}
	if r := cs.State.Running; r != nil && !cs.Ready && !init && probe != nil {
		// the kubelet has had time for failureThreshold probes and still reports not ready
		period, threshold := probe.PeriodSeconds, probe.FailureThreshold
		if period == 0 {
			period = 10
		}
		if threshold == 0 {
			threshold = 3
		}
		budget := time.Duration(probe.InitialDelaySeconds+period*threshold+probe.TimeoutSeconds) * time.Second
		if since := now.Sub(r.StartedAt.Time); since > budget {
			p.Reason = ReadinessNeverReached
			p.Message = fmt.Sprintf("running for %s but never ready (readiness probe: %d failures allowed every %ds)",
				since.Round(time.Second), threshold, period)
			p.HasLog = true
			return p, true
		}
	}
	return Problem{}, false
}

// classifyPull tells a missing image, missing credentials and a registry host that does not
// exist (all definitive) from network and registry trouble (transient: a pull that recovers
// is not a failure).
func classifyPull(msg string) (reason, message string) {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "no such host"):
		return RegistryHostUnknown, msg + " (is the image's registry name right?)"
	case strings.Contains(m, "not found") || strings.Contains(m, "manifest unknown") || strings.Contains(m, "name unknown"):
		return ImageNotFound, msg
	case strings.Contains(m, "unauthorized") || strings.Contains(m, "authentication required") ||
		strings.Contains(m, "denied") || strings.Contains(m, "403 forbidden"):
		return ImagePullUnauthorized, msg + " (does the namespace have an imagePullSecret for this registry?)"
	}
	return ErrImagePull, msg
}
