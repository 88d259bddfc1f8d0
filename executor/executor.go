// Package executor is a GitLab Runner custom executor driver that runs each CI job as a
// Kubernetes pod: `glcd executor config|prepare|run|cleanup`, called by a runner with
// executor = "custom".
//
// The job is what GitLab sent the runner (JOB_RESPONSE_FILE): its id, project, image,
// services and token never come from the job's own variables. config makes a random nonce
// for the job; the pod's name and label carry it, and every later stage acts only on the pod
// with its job's nonce. prepare creates one pod per job: a build container from the job's
// image with its entrypoint replaced by a keep-alive, a helper container (git, cache,
// artifacts) and one container per service, sharing an emptyDir builds directory and,
// optionally, a persistent cache volume with one directory per project (and another for its
// protected refs). The pod passes the Pod Security Standard of the settings. prepare waits
// until the pod runs and fails fast with the kubelet's or scheduler's reason. run starts each
// stage's script detached inside the container and follows its output, resuming where it
// was when a connection breaks; cleanup deletes what prepare made. Secrets reach containers
// only through a Secret the driver owns, never through the pod spec or the driver's output.
package executor

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Driver runs the custom executor's stages for one job.
type Driver struct {
	Settings *Settings
	Job      *Job
	Client   kubernetes.Interface
	// REST is the client configuration exec uses.
	REST *rest.Config
	// Nonce is the random value config made for this job (job_env); Pod and Namespace name
	// the job's pod ("" means derived from the job, the nonce and the settings).
	Nonce, Pod, Namespace string
	// Out receives the scripts' output; Log the driver's own lines for the job log; Debug
	// its lines for the runner's log only (cleanup's stdout).
	Out, Log, Debug io.Writer
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

func (d *Driver) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Driver) podName() string {
	if d.Pod != "" {
		return d.Pod
	}
	return PodName(d.Job, d.Nonce)
}

func (d *Driver) namespace() string {
	if d.Namespace != "" {
		return d.Namespace
	}
	return d.Settings.Namespace
}

func (d *Driver) debug() io.Writer {
	if d.Debug != nil {
		return d.Debug
	}
	return io.Discard
}

// NewNonce returns a random job nonce: 10 lowercase hex characters.
func NewNonce() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24 and later)
	return hex.EncodeToString(b)
}

// Failure is how a stage failed, as the runner must hear it: a build failure (the job's
// fault: its script, its image) or a system failure (the cluster's: retried by the runner
// for prepare).
type Failure struct {
	System bool
	// ExitCode is the script's exit code, for BUILD_EXIT_CODE_FILE; 0 when no script ran.
	ExitCode int
	Err      error
}

func (f *Failure) Error() string { return f.Err.Error() }

// Unwrap returns the underlying error.
func (f *Failure) Unwrap() error { return f.Err }

// BuildFailure marks err as the job's failure.
func BuildFailure(err error) error { return &Failure{Err: err} }

// SystemFailure marks err as the system's failure.
func SystemFailure(err error) error { return &Failure{System: true, Err: err} }

// ScriptFailure is a stage script that exited with code.
func ScriptFailure(code int) error {
	return &Failure{ExitCode: code, Err: fmt.Errorf("the script exited with code %d", code)}
}

// AsFailure returns err as a *Failure; an error that is none is a system failure.
func AsFailure(err error) *Failure {
	var f *Failure
	if errors.As(err, &f) {
		return f
	}
	return &Failure{System: true, Err: err}
}

// ConfigOutput is what config_exec prints for the runner.
type ConfigOutput struct {
	Driver            DriverInfo        `json:"driver"`
	Hostname          string            `json:"hostname"`
	BuildsDir         string            `json:"builds_dir"`
	CacheDir          string            `json:"cache_dir"`
	BuildsDirIsShared bool              `json:"builds_dir_is_shared"`
	JobEnv            map[string]string `json:"job_env"`
}

// DriverInfo names the driver in the job log.
type DriverInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Config returns the runner's configuration for the job: where builds and caches live in
// the pod, and the job's nonce, pod and namespace for the later stages. It makes the nonce
// when the driver has none.
func (d *Driver) Config(version string) ConfigOutput {
	if d.Nonce == "" {
		d.Nonce = NewNonce()
	}
	return ConfigOutput{
		Driver:    DriverInfo{Name: "glcd executor (Kubernetes pods)", Version: version},
		Hostname:  d.podName(),
		BuildsDir: d.Settings.BuildsDir,
		CacheDir:  d.Settings.CacheDir,
		JobEnv:    map[string]string{JobEnvPod: d.podName(), JobEnvNamespace: d.namespace(), JobEnvNonce: d.Nonce},
	}
}
