package executor

import (
	"cmp"
	"fmt"
	"regexp"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Labels and annotations the driver puts on what it creates.
const (
	LabelManagedBy  = "app.kubernetes.io/managed-by"
	ManagedBy       = "glcd-executor"
	LabelRunner     = "glcd.gitlab.com/runner"
	LabelProject    = "glcd.gitlab.com/project-id"
	LabelJob        = "glcd.gitlab.com/job-id"
	AnnotationStage = "glcd.gitlab.com/stage"
	// AnnotationActiveAt is when the runner last called the driver for the pod's job
	// (RFC 3339 with nanoseconds); gc takes pods idle longer than --older-than as left over.
	AnnotationActiveAt = "glcd.gitlab.com/active-at"
)

// Container names in a job pod.
const (
	BuildContainer  = "build"
	HelperContainer = "helper"
	buildsVolume    = "builds"
	cacheVolume     = "cache"
)

// keepAlive replaces the job image's entrypoint: the container only waits while the stages
// are run in it through exec, whatever ENTRYPOINT the image has.
const keepAlive = `trap 'exit 0' TERM INT; while :; do sleep 3600 || exit 127; done`

// Job variables that raise the build container's resources, GitLab's Kubernetes executor's names.
var resourceVariables = []struct {
	key      string
	resource corev1.ResourceName
	limit    bool
}{
	{"KUBERNETES_CPU_REQUEST", corev1.ResourceCPU, false},
	{"KUBERNETES_CPU_LIMIT", corev1.ResourceCPU, true},
	{"KUBERNETES_MEMORY_REQUEST", corev1.ResourceMemory, false},
	{"KUBERNETES_MEMORY_LIMIT", corev1.ResourceMemory, true},
}

var nonName = regexp.MustCompile(`[^a-z0-9-]+`)

// PodName is the job's pod name: from the runner, project, concurrency slot and job, so
// every job of every runner gets its own, and it is the same in every stage.
func PodName(j *Job) string {
	runner := cmp.Or(j.Runner, "runner")
	name := fmt.Sprintf("glcd-%s-p%s-c%s-j%s", runner, j.ProjectID, cmp.Or(j.ConcurrentProjectID, "0"), j.ID)
	name = strings.Trim(nonName.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if len(name) > 63 {
		name = strings.TrimRight(name[len(name)-63:], "-")
		name = strings.TrimLeft(name, "-")
	}
	return name
}

// labels select everything the driver made for one job.
func jobLabels(j *Job) map[string]string {
	return map[string]string{
		LabelManagedBy: ManagedBy,
		LabelRunner:    labelValue(j.Runner),
		LabelProject:   labelValue(j.ProjectID),
		LabelJob:       labelValue(j.ID),
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

// JobImageError is a job asking for something the settings do not allow: a build failure.
type JobImageError struct{ Msg string }

func (e *JobImageError) Error() string { return e.Msg }

// PodSpec builds the job's pod and the Secret holding what its containers get by env: the
// job token (helper only) and the job's variables (services only). Values never appear in
// the pod itself. An error is the job's fault (a disallowed image, resources above the caps).
func PodSpec(s *Settings, j *Job, name string, now time.Time) (*corev1.Pod, *corev1.Secret, error) {
	image := j.Image
	if image == "" {
		image = s.Image
	}
	var problems []string
	if image == "" {
		problems = append(problems, "the job names no image (image: in .gitlab-ci.yml) and the executor settings have no default image")
	} else if !s.imageAllowed(image) {
		problems = append(problems, fmt.Sprintf("image %q is not allowed by this runner: allowedImages are %s", image, strings.Join(s.AllowedImages, ", ")))
	}
	for _, svc := range j.Services {
		if !s.imageAllowed(svc.Name) {
			problems = append(problems, fmt.Sprintf("service image %q is not allowed by this runner: allowedImages are %s", svc.Name, strings.Join(s.AllowedImages, ", ")))
		}
	}
	res, resProblems := buildResources(s, j)
	problems = append(problems, resProblems...)
	if len(problems) > 0 {
		return nil, nil, &JobImageError{Msg: strings.Join(problems, "\n")}
	}

	lbl := jobLabels(j)
	podLabels := map[string]string{}
	for k, v := range s.Labels {
		podLabels[k] = v
	}
	for k, v := range lbl {
		podLabels[k] = v
	}
	ann := map[string]string{}
	for k, v := range s.Annotations {
		ann[k] = v
	}
	ann[AnnotationActiveAt] = now.UTC().Format(time.RFC3339Nano)

	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: lbl},
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{},
	}
	secretEnv := func(env, key, value string) corev1.EnvVar {
		secret.Data[key] = []byte(value)
		return corev1.EnvVar{Name: env, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key}}}
	}

	mounts := []corev1.VolumeMount{{Name: buildsVolume, MountPath: s.BuildsDir}}
	volumes := []corev1.Volume{{Name: buildsVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	if src := cacheSource(s); src != nil {
		// one directory per project: a job never sees another project's cache
		mounts = append(mounts, corev1.VolumeMount{Name: cacheVolume, MountPath: s.CacheDir, SubPath: "project-" + labelValue(j.ProjectID)})
		volumes = append(volumes, corev1.Volume{Name: cacheVolume, VolumeSource: *src})
	}
	privileged := func() *corev1.SecurityContext {
		if !s.Privileged {
			return &corev1.SecurityContext{Privileged: new(bool)}
		}
		t := true
		return &corev1.SecurityContext{Privileged: &t}
	}
	keep := []string{"sh", "-c", keepAlive}
	containers := []corev1.Container{
		{Name: BuildContainer, Image: image, Command: keep, VolumeMounts: mounts, Resources: res,
			ImagePullPolicy: corev1.PullIfNotPresent, SecurityContext: privileged()},
		{Name: HelperContainer, Image: s.HelperImage, Command: keep, VolumeMounts: mounts,
			ImagePullPolicy: corev1.PullIfNotPresent, SecurityContext: &corev1.SecurityContext{Privileged: new(bool)},
			Env: []corev1.EnvVar{secretEnv("CI_JOB_TOKEN", "job-token", j.Token.Reveal())}},
	}
	var aliases []string
	token := j.Token.Reveal()
	for i, svc := range j.Services {
		c := corev1.Container{Name: fmt.Sprintf("svc-%d", i), Image: svc.Name, Command: svc.Entrypoint, Args: svc.Command,
			ImagePullPolicy: corev1.PullIfNotPresent, SecurityContext: privileged()}
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
	f, zero := false, int64(0)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: podLabels, Annotations: ann},
		Spec: corev1.PodSpec{
			Containers:                    containers,
			Volumes:                       volumes,
			RestartPolicy:                 corev1.RestartPolicyNever,
			ServiceAccountName:            s.ServiceAccount,
			AutomountServiceAccountToken:  &f,
			EnableServiceLinks:            &f,
			NodeSelector:                  s.NodeSelector,
			Tolerations:                   s.Tolerations,
			ImagePullSecrets:              pullSecrets,
			TerminationGracePeriodSeconds: &zero,
		},
	}
	if len(aliases) > 0 {
		pod.Spec.HostAliases = []corev1.HostAlias{{IP: "127.0.0.1", Hostnames: aliases}}
	}
	return pod, secret, nil
}

func cacheSource(s *Settings) *corev1.VolumeSource {
	switch {
	case s.Cache.PVC != "":
		return &corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: s.Cache.PVC}}
	case s.Cache.HostPath != "":
		t := corev1.HostPathDirectoryOrCreate
		return &corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: s.Cache.HostPath, Type: &t}}
	}
	return nil
}

// buildResources applies the job's KUBERNETES_* variables to the settings' resources,
// within resources.max.
func buildResources(s *Settings, j *Job) (corev1.ResourceRequirements, []string) {
	res := corev1.ResourceRequirements{Requests: s.Resources.Requests.DeepCopy(), Limits: s.Resources.Limits.DeepCopy()}
	var problems []string
	for _, rv := range resourceVariables {
		v, ok := j.Variable(rv.key)
		if !ok || v == "" {
			continue
		}
		q, err := resource.ParseQuantity(v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s=%q is not a Kubernetes quantity (such as 500m, 2, 1Gi)", rv.key, v))
			continue
		}
		max, ok := s.Resources.Max[rv.resource]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: this runner does not let jobs set %s (resources.max.%s in the executor settings)", rv.key, rv.resource, rv.resource))
			continue
		}
		if q.Cmp(max) > 0 {
			problems = append(problems, fmt.Sprintf("%s=%s is above this runner's maximum %s", rv.key, v, max.String()))
			continue
		}
		list := &res.Requests
		if rv.limit {
			list = &res.Limits
		}
		if *list == nil {
			*list = corev1.ResourceList{}
		}
		(*list)[rv.resource] = q
	}
	for _, r := range jobResources {
		req, hasReq := res.Requests[r]
		lim, hasLim := res.Limits[r]
		if hasReq && hasLim && req.Cmp(lim) > 0 {
			problems = append(problems, fmt.Sprintf("%s request %s is above its limit %s", r, req.String(), lim.String()))
		}
	}
	return res, problems
}
