package executor

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/distribution/reference"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Labels and annotations the driver puts on what it creates.
const (
	LabelManagedBy = "app.kubernetes.io/managed-by"
	ManagedBy      = "glcd-executor"
	LabelRunner    = "glcd.gitlab.com/runner"
	LabelProject   = "glcd.gitlab.com/project-id"
	LabelJob       = "glcd.gitlab.com/job-id"
	// LabelNonce carries the random value config made for the job: run, cleanup and a
	// retried prepare act only on a pod whose nonce is their job's.
	LabelNonce = "glcd.gitlab.com/nonce"
	// LabelProtected says the job runs for a protected ref (and so uses the protected cache).
	LabelProtected  = "glcd.gitlab.com/protected"
	AnnotationStage = "glcd.gitlab.com/stage"
	// AnnotationActiveAt is when the driver last worked for the pod's job (RFC 3339 with
	// nanoseconds): every stage marks it, and a running stage renews it every
	// HeartbeatInterval; gc takes pods idle longer than --older-than as left over.
	AnnotationActiveAt = "glcd.gitlab.com/active-at"
	// SchedulingGate holds a new job pod back from the scheduler until its Secret exists.
	SchedulingGate = "glcd.gitlab.com/secret"
)

// Container and volume names in a job pod.
const (
	BuildContainer  = "build"
	HelperContainer = "helper"
	buildsVolume    = "builds"
	cacheVolume     = "cache"
	runVolume       = "glcd"
	// RunDir is where each container keeps the driver's stage files (scripts, output, exit
	// codes) and the helper's gitlab-runner link: an emptyDir of its own, outside builds.
	RunDir = "/glcd"
	// runSizeLimit caps RunDir: the stages' output, which the runner caps far lower.
	runSizeLimit = "1Gi"
)

// keepAlive replaces the job image's entrypoint: the container only waits while the stages
// are run in it through exec, whatever ENTRYPOINT the image has.
const keepAlive = `trap 'exit 0' TERM INT; while :; do sleep 3600 || exit 127; done`

// Job variables that raise the build container's resources, GitLab's Kubernetes executor's names.
// A kind of container's prefix comes first: KUBERNETES_, KUBERNETES_HELPER_ or
// KUBERNETES_SERVICE_.
var resourceVariables = []struct {
	suffix   string
	resource corev1.ResourceName
	limit    bool
}{
	{"CPU_REQUEST", corev1.ResourceCPU, false},
	{"CPU_LIMIT", corev1.ResourceCPU, true},
	{"MEMORY_REQUEST", corev1.ResourceMemory, false},
	{"MEMORY_LIMIT", corev1.ResourceMemory, true},
}

// PodName is the job's pod name: the job's id (from GitLab, through the runner) and the nonce
// config made for this run of the job, so no other job can have or take it.
func PodName(j *Job, nonce string) string { return "glcd-j" + j.ID + "-" + nonce }

// jobLabels select everything the driver made for one job.
func jobLabels(j *Job, nonce string) map[string]string {
	return map[string]string{
		LabelManagedBy: ManagedBy,
		LabelRunner:    labelValue(j.Runner),
		LabelProject:   labelValue(j.ProjectID),
		LabelJob:       labelValue(j.ID),
		LabelNonce:     labelValue(nonce),
		LabelProtected: fmt.Sprint(j.Protected),
	}
}

var nonLabel = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func labelValue(s string) string {
	s = strings.Trim(nonLabel.ReplaceAllString(s, "-"), "-._")
	if len(s) > 63 {
		s = s[:63]
	}
	return s
}

// CacheSubPath is the job's directory on the cache volume: one per project, and another for
// the project's protected refs, which never read what an unprotected job could have written.
func CacheSubPath(j *Job) string {
	p := "project-" + labelValue(j.ProjectID)
	if j.Protected {
		p += "-protected"
	}
	return p
}

// JobImageError is a job asking for something the settings do not allow: a build failure.
type JobImageError struct{ Msg string }

func (e *JobImageError) Error() string { return e.Msg }

// PodSpec builds the job's pod and the Secret holding what its containers get by env (the
// job token: helper only; the job's variables: services only) and the job's registry logins.
// Values never appear in the pod itself. The pod passes the Pod Security Standard of the
// settings, and waits at a scheduling gate until prepare has created its Secret. An error is
// the job's fault (a disallowed image, resources above the caps, too many services).
func PodSpec(s *Settings, j *Job, name, nonce string, now time.Time) (*corev1.Pod, *corev1.Secret, error) {
	var problems []string
	image := j.Image
	if image == "" {
		image = s.Image
	}
	jobImage := func(what, img string) string {
		if img == "" {
			problems = append(problems, "the job names no image (image: in .gitlab-ci.yml) and the executor settings have no default image")
			return ""
		}
		full, ok := s.allowedImage(img)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s %q is not allowed by this runner: allowedImages are %s", what, img, strings.Join(s.AllowedImages, ", ")))
		}
		return full
	}
	image = jobImage("image", image)
	if len(j.Services) > s.MaxServices {
		problems = append(problems, fmt.Sprintf("the job asks for %d services; this runner allows %d (maxServices)", len(j.Services), s.MaxServices))
	}
	serviceImages := make([]string, len(j.Services))
	for i, svc := range j.Services {
		serviceImages[i] = jobImage("service image", svc.Name)
	}
	o, overrideProblems := jobOverrides(s, j)
	problems = append(problems, overrideProblems...)
	if len(problems) > 0 {
		return nil, nil, &JobImageError{Msg: strings.Join(problems, "\n")}
	}

	lbl := jobLabels(j, nonce)
	podLabels := map[string]string{}
	for k, v := range o.labels {
		podLabels[k] = v
	}
	for k, v := range lbl {
		podLabels[k] = v
	}
	ann := map[string]string{}
	for k, v := range o.annotations {
		ann[k] = v
	}
	ann[AnnotationActiveAt] = now.UTC().Format(time.RFC3339Nano)

	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: lbl},
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{},
		Immutable:  new(bool),
	}
	*secret.Immutable = true
	secretEnv := func(env, key, value string) corev1.EnvVar {
		secret.Data[key] = []byte(value)
		return corev1.EnvVar{Name: env, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key}}}
	}
	registries := map[string]bool{}
	if cfg, hosts := dockerConfig(j.Credentials); cfg != nil {
		secret.Type = corev1.SecretTypeDockerConfigJson
		secret.Data[corev1.DockerConfigJsonKey] = cfg
		registries = hosts
	}
	pull := func(img string) corev1.PullPolicy {
		if s.PullPolicy != "" {
			return s.PullPolicy
		}
		if n, err := reference.ParseNormalizedNamed(img); err == nil && registries[reference.Domain(n)] {
			return corev1.PullAlways // the kubelet asks the registry, with this job's login, every time
		}
		return corev1.PullIfNotPresent
	}

	mounts := []corev1.VolumeMount{{Name: buildsVolume, MountPath: s.BuildsDir}, {Name: runVolume, MountPath: RunDir}}
	runLimit := resource.MustParse(runSizeLimit)
	volumes := []corev1.Volume{
		{Name: buildsVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: s.BuildsSizeLimit}}},
		{Name: runVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: &runLimit}}},
	}
	if src := cacheSource(s); src != nil {
		mounts = append(mounts, corev1.VolumeMount{Name: cacheVolume, MountPath: s.CacheDir, SubPath: CacheSubPath(j)})
		volumes = append(volumes, corev1.Volume{Name: cacheVolume, VolumeSource: *src})
	}
	keep := []string{"sh", "-c", keepAlive}
	containers := []corev1.Container{
		{Name: BuildContainer, Image: image, Command: keep, VolumeMounts: mounts, Resources: o.build,
			ImagePullPolicy: pull(image), SecurityContext: s.containerSecurity(s.Privileged)},
		{Name: HelperContainer, Image: s.HelperImage, Command: keep, VolumeMounts: mounts, Resources: o.helper,
			ImagePullPolicy: pull(s.HelperImage), SecurityContext: s.containerSecurity(false),
			Env: []corev1.EnvVar{secretEnv("CI_JOB_TOKEN", "job-token", j.token.Reveal())}},
	}
	var aliases []string
	token := j.token.Reveal()
	for i, svc := range j.Services {
		c := corev1.Container{Name: fmt.Sprintf("svc-%d", i), Image: serviceImages[i], Command: svc.Entrypoint, Args: svc.Command,
			Resources: o.services[i], ImagePullPolicy: pull(serviceImages[i]), SecurityContext: s.containerSecurity(s.Privileged)}
		for k, v := range j.Variables {
			if v.File || token != "" && strings.Contains(v.Value, token) {
				continue // services never get the job token
			}
			c.Env = append(c.Env, secretEnv(v.Key, fmt.Sprintf("var-%d", k), v.Value))
		}
		for k, v := range svc.Variables {
			c.Env = append(c.Env, secretEnv(v.Key, fmt.Sprintf("svc-%d-%d", i, k), v.Value))
		}
		containers = append(containers, c)
		aliases = append(aliases, svc.Aliases()...)
	}
	var pullSecrets []corev1.LocalObjectReference
	for _, n := range s.ImagePullSecrets {
		pullSecrets = append(pullSecrets, corev1.LocalObjectReference{Name: n})
	}
	if secret.Type == corev1.SecretTypeDockerConfigJson {
		pullSecrets = append(pullSecrets, corev1.LocalObjectReference{Name: name})
	}
	f, zero := false, int64(0)
	deadline := int64(ActiveDeadline(s, j) / time.Second)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: podLabels, Annotations: ann},
		Spec: corev1.PodSpec{
			Containers:                    containers,
			Volumes:                       volumes,
			RestartPolicy:                 corev1.RestartPolicyNever,
			ServiceAccountName:            o.serviceAccount,
			AutomountServiceAccountToken:  &f,
			EnableServiceLinks:            &f,
			NodeSelector:                  o.nodeSelector,
			Tolerations:                   o.tolerations,
			ImagePullSecrets:              pullSecrets,
			TerminationGracePeriodSeconds: &zero,
			ActiveDeadlineSeconds:         &deadline,
			SchedulingGates:               []corev1.PodSchedulingGate{{Name: SchedulingGate}},
			SecurityContext: &corev1.PodSecurityContext{
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
				RunAsUser:      s.RunAsUser, RunAsGroup: s.RunAsGroup, FSGroup: s.FSGroup,
			},
		},
	}
	if s.PodSecurity == LevelRestricted {
		t := true
		pod.Spec.SecurityContext.RunAsNonRoot = &t
	}
	if len(aliases) > 0 {
		pod.Spec.HostAliases = []corev1.HostAlias{{IP: "127.0.0.1", Hostnames: aliases}}
	}
	return pod, secret, nil
}

// ActiveDeadline is how long a job pod may run before the kubelet stops it: the job's timeout
// (3 h when GitLab sent none) plus the pod start timeout and five minutes, so a pod whose
// runner vanished ends on its own, even before gc runs.
func ActiveDeadline(s *Settings, j *Job) time.Duration {
	timeout := j.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Hour
	}
	return timeout + time.Duration(s.PodStartTimeout) + 5*time.Minute
}

// containerSecurity is a container's security context at the settings' Pod Security level.
func (s *Settings) containerSecurity(privileged bool) *corev1.SecurityContext {
	escalate := s.AllowPrivilegeEscalation || privileged // the API refuses privileged without it
	c := &corev1.SecurityContext{Privileged: &privileged, AllowPrivilegeEscalation: &escalate}
	if s.PodSecurity == LevelRestricted {
		c.Capabilities = &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}
	}
	return c
}

// dockerConfig is the .dockerconfigjson of the job's registry logins, and their hosts.
func dockerConfig(creds []Credential) ([]byte, map[string]bool) {
	type auth struct {
		Username string `json:"username"`
		Password string `json:"password"`
		Auth     string `json:"auth"`
	}
	auths := map[string]auth{}
	hosts := map[string]bool{}
	for _, c := range creds {
		if c.Type != "registry" || c.URL == "" {
			continue
		}
		host := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(c.URL, "https://"), "http://"), "/")
		auths[host] = auth{c.Username, c.Password, base64.StdEncoding.EncodeToString([]byte(c.Username + ":" + c.Password))}
		hosts[host] = true
		if host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io" {
			hosts["docker.io"] = true
		}
	}
	if len(auths) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(map[string]any{"auths": auths})
	if err != nil {
		return nil, nil
	}
	return b, hosts
}

func cacheSource(s *Settings) *corev1.VolumeSource {
	switch {
	case s.Cache.PVC != "":
		return &corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: s.Cache.PVC}}
	case s.Cache.HostPath != "":
		t := corev1.HostPathDirectory // the directory must exist: a job never creates one on the node
		return &corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: s.Cache.HostPath, Type: &t}}
	}
	return nil
}
