package executor

import (
	"cmp"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/distribution/reference"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"gitlab.com/glcd/glcd/internal/ci"
)

// Defaults of the driver's settings.
const (
	DefaultHelperImage     = "registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper:x86_64-v18.6.0"
	DefaultBuildsDir       = "/builds"
	DefaultCacheDir        = "/cache"
	DefaultPodStartTimeout = 5 * time.Minute
	DefaultMaxServices     = 5
	DefaultPullGrace       = 30 * time.Second
	// MaxSettingsSize caps the settings file.
	MaxSettingsSize = 1 << 20
)

// Pod Security Standards levels (podSecurity) the job pods are built for.
const (
	LevelPrivileged = "privileged"
	LevelBaseline   = "baseline"
	LevelRestricted = "restricted"
)

// defaultResources are the requests and limits of each kind of container when the settings
// name none: every container has a memory limit, so no job can take the node's memory.
var defaultResources = map[string]corev1.ResourceRequirements{
	"build": {Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
		Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("4Gi")}},
	"helper": {Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
		Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}},
	"service": {Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
		Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}},
}

// DefaultBuildsSizeLimit caps the builds emptyDir when the settings name no limit.
const DefaultBuildsSizeLimit = "10Gi"

// Duration is a time.Duration written as "90s" or "5m" in the settings file.
type Duration time.Duration

// UnmarshalJSON reads a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration such as \"90s\" or \"5m\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration such as \"90s\" or \"5m\": %w", err)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// Settings are the driver's own configuration: a YAML file (--config) with GLCD_EXECUTOR_*
// variables of the runner's environment taking precedence.
type Settings struct {
	// Namespace the job pods run in.
	Namespace string `json:"namespace"`
	// Image is the job image when the job names none.
	Image string `json:"image"`
	// HelperImage runs the source, cache and artifact stages (git and gitlab-runner-helper).
	HelperImage string `json:"helperImage"`
	// AllowedImages are glob patterns (** crosses slashes) a job's image and services must
	// match; empty allows every image.
	AllowedImages []string `json:"allowedImages"`
	// ServiceAccount of the job pods; its token is never mounted.
	ServiceAccount string `json:"serviceAccount"`
	// NodeSelector and Tolerations place the job pods.
	NodeSelector map[string]string   `json:"nodeSelector"`
	Tolerations  []corev1.Toleration `json:"tolerations"`
	// Resources of the build container and what a job may ask for.
	Resources Resources `json:"resources"`
	// Cache is the persistent volume mounted at CacheDir, one subPath per project.
	Cache Cache `json:"cache"`
	// Labels and Annotations are added to every job pod.
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	// ImagePullSecrets are secrets in Namespace used to pull the job's images.
	ImagePullSecrets []string `json:"imagePullSecrets"`
	// PodStartTimeout bounds the wait for a pod that is pending for a reason that may pass
	// (unschedulable, a registry that does not answer).
	PodStartTimeout Duration `json:"podStartTimeout"`
	// CleanupTimeout bounds how long cleanup retries an API server that does not answer
	// (default 1m) before it reports the pod it leaves to gc.
	CleanupTimeout Duration `json:"cleanupTimeout"`
	// AttachedStages runs each stage over one exec stream, as glcd's executor did before
	// stages were detached: no reconnection when it breaks. For comparison only (make bench).
	AttachedStages bool `json:"attachedStages"`
	// HeartbeatInterval is how often a running stage marks its pod active (default 1m): gc
	// takes a pod idle for three intervals at least.
	HeartbeatInterval Duration `json:"heartbeatInterval"`
	// PullGrace is how long the pull of a job's image may fail for a network reason (a
	// registry that does not answer) before prepare gives up with a system failure the runner
	// retries (default 30s). A registry host that does not exist fails the job at once.
	PullGrace Duration `json:"pullGrace"`
	// Privileged runs the build and service containers privileged (for docker:dind); it
	// needs podSecurity: privileged.
	Privileged bool `json:"privileged"`
	// PodSecurity is the Pod Security Standard every job pod is built to pass, the level the
	// jobs' namespace should enforce: baseline (the default), restricted (every container runs
	// as non-root, with no capability: the images must run as non-root, or set runAsUser), or
	// privileged (needed for privileged: true and for a hostPath cache).
	PodSecurity string `json:"podSecurity"`
	// AllowPrivilegeEscalation lets a job's processes gain privileges (setuid binaries such as
	// sudo); off by default.
	AllowPrivilegeEscalation bool `json:"allowPrivilegeEscalation"`
	// RunAsUser, RunAsGroup and FSGroup set the pod's user, group and volume group.
	RunAsUser  *int64 `json:"runAsUser"`
	RunAsGroup *int64 `json:"runAsGroup"`
	FSGroup    *int64 `json:"fsGroup"`
	// HelperResources and ServiceResources are the requests and limits of the helper
	// container and of each service container, and the most a job may ask for through
	// KUBERNETES_HELPER_* and KUBERNETES_SERVICE_* {CPU,MEMORY}_{REQUEST,LIMIT}.
	HelperResources  Resources `json:"helperResources"`
	ServiceResources Resources `json:"serviceResources"`
	// NodeSelectorOverwriteAllowed, NodeTolerationsOverwriteAllowed,
	// PodLabelsOverwriteAllowed, PodAnnotationsOverwriteAllowed and
	// ServiceAccountOverwriteAllowed are regular expressions (RE2) the values of a job's
	// KUBERNETES_NODE_SELECTOR_*, KUBERNETES_NODE_TOLERATIONS_*, KUBERNETES_POD_LABELS_*,
	// KUBERNETES_POD_ANNOTATIONS_* and KUBERNETES_SERVICE_ACCOUNT_OVERWRITE must match as a
	// whole (GitLab's *_overwrite_allowed). Empty, the default, lets jobs set none of them.
	NodeSelectorOverwriteAllowed    string `json:"nodeSelectorOverwriteAllowed"`
	NodeTolerationsOverwriteAllowed string `json:"nodeTolerationsOverwriteAllowed"`
	PodLabelsOverwriteAllowed       string `json:"podLabelsOverwriteAllowed"`
	PodAnnotationsOverwriteAllowed  string `json:"podAnnotationsOverwriteAllowed"`
	ServiceAccountOverwriteAllowed  string `json:"serviceAccountOverwriteAllowed"`
	compiledAllowLists              map[string]*regexp.Regexp
	// BuildsSizeLimit caps the builds emptyDir (default 10Gi): a job writing more is evicted.
	BuildsSizeLimit *resource.Quantity `json:"buildsSizeLimit"`
	// MaxServices caps the number of services: of a job (default 5).
	MaxServices int `json:"maxServices"`
	// PullPolicy of the job's images. Empty: Always for an image of a registry the job has
	// credentials for (so a job never runs a private image the node pulled for another
	// project), IfNotPresent for the others.
	PullPolicy corev1.PullPolicy `json:"pullPolicy"`
	// BuildsDir and CacheDir are the paths inside the pod the runner is told about.
	BuildsDir string `json:"buildsDir"`
	CacheDir  string `json:"cacheDir"`
}

// Resources are the build container's requests and limits, and Max: the most a job may ask
// for through KUBERNETES_CPU_REQUEST, KUBERNETES_CPU_LIMIT, KUBERNETES_MEMORY_REQUEST and
// KUBERNETES_MEMORY_LIMIT. A resource without a Max cannot be changed by a job.
type Resources struct {
	Requests corev1.ResourceList `json:"requests"`
	Limits   corev1.ResourceList `json:"limits"`
	Max      corev1.ResourceList `json:"max"`
}

// Cache names the volume kept between jobs: an existing PersistentVolumeClaim, or a
// directory of the node (single-node clusters).
type Cache struct {
	PVC      string `json:"pvc"`
	HostPath string `json:"hostPath"`
}

// envSettings are the GLCD_EXECUTOR_* variables and how each sets a field.
var envSettings = []struct {
	name string
	set  func(s *Settings, v string) error
}{
	{"GLCD_EXECUTOR_NAMESPACE", func(s *Settings, v string) error { s.Namespace = v; return nil }},
	{"GLCD_EXECUTOR_IMAGE", func(s *Settings, v string) error { s.Image = v; return nil }},
	{"GLCD_EXECUTOR_HELPER_IMAGE", func(s *Settings, v string) error { s.HelperImage = v; return nil }},
	{"GLCD_EXECUTOR_ALLOWED_IMAGES", func(s *Settings, v string) error { s.AllowedImages = splitList(v); return nil }},
	{"GLCD_EXECUTOR_SERVICE_ACCOUNT", func(s *Settings, v string) error { s.ServiceAccount = v; return nil }},
	{"GLCD_EXECUTOR_IMAGE_PULL_SECRETS", func(s *Settings, v string) error { s.ImagePullSecrets = splitList(v); return nil }},
	{"GLCD_EXECUTOR_CACHE_PVC", func(s *Settings, v string) error { s.Cache.PVC = v; return nil }},
	{"GLCD_EXECUTOR_CACHE_HOST_PATH", func(s *Settings, v string) error { s.Cache.HostPath = v; return nil }},
	{"GLCD_EXECUTOR_BUILDS_DIR", func(s *Settings, v string) error { s.BuildsDir = v; return nil }},
	{"GLCD_EXECUTOR_CACHE_DIR", func(s *Settings, v string) error { s.CacheDir = v; return nil }},
	{"GLCD_EXECUTOR_POD_START_TIMEOUT", func(s *Settings, v string) error {
		d, err := time.ParseDuration(v)
		s.PodStartTimeout = Duration(d)
		return err
	}},
	{"GLCD_EXECUTOR_POD_SECURITY", func(s *Settings, v string) error { s.PodSecurity = v; return nil }},
	{"GLCD_EXECUTOR_PRIVILEGED", func(s *Settings, v string) error {
		b, err := strconv.ParseBool(v)
		s.Privileged = b
		return err
	}},
}

func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' })
}

// LoadSettings reads the settings file (if file is not empty), applies GLCD_EXECUTOR_*
// variables from lookup and the defaults, and checks the result. Every problem is listed in
// one error.
func LoadSettings(file string, lookup func(name string) (string, bool)) (*Settings, error) {
	s := &Settings{}
	var problems []string
	if file != "" {
		b, err := readCapped(file, MaxSettingsSize)
		if err != nil {
			return nil, fmt.Errorf("executor settings: %w", err)
		}
		if err := yaml.UnmarshalStrict(b, s); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", file, err))
		}
	}
	for _, e := range envSettings {
		if v, ok := lookup(e.name); ok && v != "" {
			if err := e.set(s, v); err != nil {
				problems = append(problems, fmt.Sprintf("%s=%q: %v", e.name, v, err))
			}
		}
	}
	s.BuildsDir = cmp.Or(s.BuildsDir, DefaultBuildsDir)
	s.CacheDir = cmp.Or(s.CacheDir, DefaultCacheDir)
	s.HelperImage = cmp.Or(s.HelperImage, DefaultHelperImage)
	if s.PodStartTimeout == 0 {
		s.PodStartTimeout = Duration(DefaultPodStartTimeout)
	}
	s.PodSecurity = cmp.Or(s.PodSecurity, LevelBaseline)
	if s.CleanupTimeout == 0 {
		s.CleanupTimeout = Duration(DefaultCleanupTimeout)
	}
	if s.PullGrace == 0 {
		s.PullGrace = Duration(DefaultPullGrace)
	}
	if s.HeartbeatInterval == 0 {
		s.HeartbeatInterval = Duration(DefaultHeartbeatInterval)
	}
	if s.MaxServices == 0 {
		s.MaxServices = DefaultMaxServices
	}
	if s.BuildsSizeLimit == nil {
		q := resource.MustParse(DefaultBuildsSizeLimit)
		s.BuildsSizeLimit = &q
	}
	withDefaults(&s.Resources.Requests, &s.Resources.Limits, defaultResources["build"], s.Resources.Max)
	withDefaults(&s.HelperResources.Requests, &s.HelperResources.Limits, defaultResources["helper"], s.HelperResources.Max)
	withDefaults(&s.ServiceResources.Requests, &s.ServiceResources.Limits, defaultResources["service"], s.ServiceResources.Max)
	problems = append(problems, s.problems()...)
	s.compiledAllowLists = s.allowLists()
	if len(problems) > 0 {
		where := "GLCD_EXECUTOR_* variables"
		if file != "" {
			where = file + " and GLCD_EXECUTOR_* variables"
		}
		return nil, fmt.Errorf("executor settings (%s) are invalid:\n  - %s", where, strings.Join(problems, "\n  - "))
	}
	return s, nil
}

// withDefaults fills the requests and limits the settings leave out from def, never making a
// request larger than its limit (a default limit below the request the settings name is the
// request, a default request above their limit is the limit) nor above max.
func withDefaults(req, lim *corev1.ResourceList, def corev1.ResourceRequirements, max corev1.ResourceList) {
	if *req == nil {
		*req = corev1.ResourceList{}
	}
	if *lim == nil {
		*lim = corev1.ResourceList{}
	}
	for k, d := range def.Requests {
		if _, ok := (*req)[k]; !ok {
			if l, ok := (*lim)[k]; ok && l.Cmp(d) < 0 {
				d = l
			}
			if m, ok := max[k]; ok && m.Cmp(d) < 0 {
				d = m
			}
			(*req)[k] = d.DeepCopy()
		}
	}
	for k, d := range def.Limits {
		if _, ok := (*lim)[k]; !ok {
			if m, ok := max[k]; ok && m.Cmp(d) < 0 {
				d = m
			}
			if r, ok := (*req)[k]; ok && r.Cmp(d) > 0 {
				d = r
			}
			(*lim)[k] = d.DeepCopy()
		}
	}
}

// readCapped reads a whole file of at most limit bytes.
func readCapped(file string, limit int64) ([]byte, error) { return ci.ReadFileMax(file, limit) }

// problems lists what is wrong with complete settings.
func (s *Settings) problems() []string {
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	if s.Namespace == "" {
		add("namespace is not set (settings file `namespace:` or GLCD_EXECUTOR_NAMESPACE)")
	} else if errs := validation.IsDNS1123Label(s.Namespace); len(errs) > 0 {
		add("namespace %q: %s", s.Namespace, strings.Join(errs, "; "))
	}
	for _, p := range s.AllowedImages {
		if !doublestar.ValidatePattern(p) {
			add("allowedImages: %q is not a valid glob pattern", p)
		}
	}
	if s.Image != "" {
		if _, err := reference.ParseNormalizedNamed(s.Image); err != nil {
			add("image %q: %v", s.Image, err)
		} else if _, ok := s.allowedImage(s.Image); !ok {
			add("image %q (the default job image) does not match allowedImages %v", s.Image, s.AllowedImages)
		}
	}
	if _, err := reference.ParseNormalizedNamed(s.HelperImage); err != nil {
		add("helperImage %q: %v", s.HelperImage, err)
	}
	if s.ServiceAccount != "" {
		if errs := validation.IsDNS1123Subdomain(s.ServiceAccount); len(errs) > 0 {
			add("serviceAccount %q: %s", s.ServiceAccount, strings.Join(errs, "; "))
		}
	}
	for _, n := range s.ImagePullSecrets {
		if errs := validation.IsDNS1123Subdomain(n); len(errs) > 0 {
			add("imagePullSecrets: %q: %s", n, strings.Join(errs, "; "))
		}
	}
	for k, v := range s.Labels {
		for _, e := range append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...) {
			add("labels: %s=%s: %s", k, v, e)
		}
	}
	for k := range s.Annotations {
		for _, e := range validation.IsQualifiedName(k) {
			add("annotations: %s: %s", k, e)
		}
	}
	for k, v := range s.NodeSelector {
		for _, e := range append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...) {
			add("nodeSelector: %s=%s: %s", k, v, e)
		}
	}
	switch {
	case s.Cache.PVC != "" && s.Cache.HostPath != "":
		add("cache: set pvc or hostPath, not both")
	case s.Cache.PVC != "":
		if errs := validation.IsDNS1123Subdomain(s.Cache.PVC); len(errs) > 0 {
			add("cache.pvc %q: %s", s.Cache.PVC, strings.Join(errs, "; "))
		}
	case s.Cache.HostPath != "" && !path.IsAbs(s.Cache.HostPath):
		add("cache.hostPath %q: want an absolute path", s.Cache.HostPath)
	}
	for name, p := range map[string]string{"buildsDir": s.BuildsDir, "cacheDir": s.CacheDir} {
		if !path.IsAbs(p) || path.Clean(p) == "/" {
			add("%s %q: want an absolute path other than /", name, p)
		}
	}
	if s.BuildsDir == s.CacheDir {
		add("buildsDir and cacheDir are both %q", s.BuildsDir)
	}
	for name, d := range map[string]Duration{"podStartTimeout": s.PodStartTimeout, "cleanupTimeout": s.CleanupTimeout,
		"pullGrace": s.PullGrace, "heartbeatInterval": s.HeartbeatInterval} {
		if d <= 0 {
			add("%s %s: want a positive duration", name, time.Duration(d))
		}
	}
	switch s.PodSecurity {
	case LevelPrivileged, LevelBaseline, LevelRestricted:
	default:
		add("podSecurity %q: want baseline, restricted or privileged", s.PodSecurity)
	}
	if s.PodSecurity != LevelPrivileged {
		if s.Privileged {
			add("privileged: true breaks PodSecurity %s: set podSecurity: privileged as well (and label the jobs' namespace so)", s.PodSecurity)
		}
		if s.Cache.HostPath != "" {
			add("cache.hostPath: a hostPath volume breaks PodSecurity %s: use cache.pvc with a hostPath or local "+
				"PersistentVolume (examples/runner/cache.yaml), or set podSecurity: privileged", s.PodSecurity)
		}
	}
	if s.MaxServices < 0 {
		add("maxServices %d: want 0 or more", s.MaxServices)
	}
	if s.BuildsSizeLimit != nil && s.BuildsSizeLimit.Sign() <= 0 {
		add("buildsSizeLimit %s: want a positive size such as 10Gi", s.BuildsSizeLimit.String())
	}
	switch s.PullPolicy {
	case "", corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
	default:
		add("pullPolicy %q: want Always, IfNotPresent or Never", s.PullPolicy)
	}
	for _, r := range []struct {
		name string
		res  Resources
	}{{"resources", s.Resources}, {"helperResources", s.HelperResources}, {"serviceResources", s.ServiceResources}} {
		for _, l := range []struct {
			name string
			list corev1.ResourceList
		}{{"requests", r.res.Requests}, {"limits", r.res.Limits}, {"max", r.res.Max}} {
			for k := range l.list {
				if !slices.Contains(jobResources, k) {
					add("%s.%s.%s: only cpu and memory are supported", r.name, l.name, k)
				}
			}
		}
		for _, k := range jobResources {
			req, hasReq := r.res.Requests[k]
			lim, hasLim := r.res.Limits[k]
			if hasReq && hasLim && req.Cmp(lim) > 0 {
				add("%s: %s request %s is above its limit %s", r.name, k, req.String(), lim.String())
			}
			if m, ok := r.res.Max[k]; ok {
				for _, q := range []struct {
					what string
					v    resource.Quantity
					ok   bool
				}{{"request", req, hasReq}, {"limit", lim, hasLim}} {
					if q.ok && q.v.Cmp(m) > 0 {
						add("%s: %s %s %s is above max %s", r.name, k, q.what, q.v.String(), m.String())
					}
				}
			}
		}
	}
	for name, re := range s.allowListSources() {
		if _, err := compileAllowList(re); err != nil {
			add("%s %q: not a regular expression: %v", name, re, err)
		}
	}
	return out
}

// allowListSources are the overwrite allow-lists of the settings, by setting name.
func (s *Settings) allowListSources() map[string]string {
	return map[string]string{
		"nodeSelectorOverwriteAllowed":    s.NodeSelectorOverwriteAllowed,
		"nodeTolerationsOverwriteAllowed": s.NodeTolerationsOverwriteAllowed,
		"podLabelsOverwriteAllowed":       s.PodLabelsOverwriteAllowed,
		"podAnnotationsOverwriteAllowed":  s.PodAnnotationsOverwriteAllowed,
		"serviceAccountOverwriteAllowed":  s.ServiceAccountOverwriteAllowed,
	}
}

// compileAllowList compiles an allow-list to match whole values; "" allows nothing (nil).
func compileAllowList(re string) (*regexp.Regexp, error) {
	if re == "" {
		return nil, nil
	}
	return regexp.Compile(`^(?:` + re + `)$`)
}

// allowLists are the compiled allow-lists, by setting name: compiled once at load, or here
// for settings built in code. An allow-list that does not compile allows nothing.
func (s *Settings) allowLists() map[string]*regexp.Regexp {
	if s.compiledAllowLists != nil {
		return s.compiledAllowLists
	}
	out := map[string]*regexp.Regexp{}
	for name, re := range s.allowListSources() {
		out[name], _ = compileAllowList(re)
	}
	return out
}

// jobResources are the resources the settings and jobs may set.
var jobResources = []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory}

// AllowsImage says whether a job may use image (as its image or a service): it matches
// AllowedImages, as written or in its full form.
func (s *Settings) AllowsImage(image string) bool {
	_, ok := s.allowedImage(image)
	return ok
}

// allowedImage says whether image matches AllowedImages, as written or in its full form
// (alpine and docker.io/library/alpine:latest are the same image), and returns the full form,
// which the pod names: the image the runner allowed is the image the node pulls.
func (s *Settings) allowedImage(image string) (string, bool) {
	full := image
	names := []string{image}
	if n, err := reference.ParseNormalizedNamed(image); err == nil {
		full = reference.TagNameOnly(n).String()
		names = append(names, full, reference.FamiliarString(reference.TagNameOnly(n)))
	}
	if len(s.AllowedImages) == 0 {
		return full, true
	}
	for _, p := range s.AllowedImages {
		for _, n := range names {
			if ok, _ := doublestar.Match(p, n); ok {
				return full, true
			}
		}
	}
	return full, false
}
