package executor

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"gitlab.com/glcd/glcd/internal/ci"
)

// allowAll lets jobs change everything, within the given patterns.
const allowAll = `
nodeSelectorOverwriteAllowed: 'kubernetes\.io/arch=(amd64|arm64)'
nodeTolerationsOverwriteAllowed: 'gpu(=[a-z0-9]+)?:NoSchedule'
podLabelsOverwriteAllowed: '(team|cost-center|glcd\.gitlab\.com/project-id|app\.kubernetes\.io/managed-by)=.*'
podAnnotationsOverwriteAllowed: 'example\.com/.*'
serviceAccountOverwriteAllowed: 'ci-(deploy|gpu)'
nodeSelector: {pool: ci}
labels: {team: platform}
helperResources:
  max: {cpu: "1", memory: 512Mi}
serviceResources:
  max: {memory: 2Gi}
`

func TestJobOverridesWithinTheAllowLists(t *testing.T) {
	s := settings(t, allowAll)
	j := &Job{ID: "7", ProjectID: "3", Services: []Service{{Name: "redis:7"},
		{Name: "postgres:16", Variables: []Variable{{Key: "KUBERNETES_SERVICE_MEMORY_LIMIT", Value: "2Gi"}}}},
		Variables: []Variable{
			{Key: "CI_COMMIT_REF_SLUG", Value: "main", Public: true},
			{Key: "KUBERNETES_NODE_SELECTOR_ARCH", Value: "kubernetes.io/arch=arm64"},
			{Key: "KUBERNETES_NODE_TOLERATIONS_1", Value: "gpu=a100:NoSchedule"},
			{Key: "KUBERNETES_NODE_TOLERATIONS_2", Value: "gpu:NoSchedule"},
			{Key: "KUBERNETES_POD_LABELS_TEAM", Value: "team=payments"},
			{Key: "KUBERNETES_POD_LABELS_COST", Value: "cost-center=ref-$CI_COMMIT_REF_SLUG"},
			{Key: "KUBERNETES_POD_ANNOTATIONS_1", Value: "example.com/owner=alice@example.com"},
			{Key: "KUBERNETES_SERVICE_ACCOUNT_OVERWRITE", Value: "ci-gpu"},
			{Key: "KUBERNETES_HELPER_CPU_LIMIT", Value: "500m"},
			{Key: "KUBERNETES_HELPER_MEMORY_REQUEST", Value: "256Mi"},
			{Key: "KUBERNETES_SERVICE_MEMORY_REQUEST", Value: "1536Mi"},
		}}
	pod, _, err := PodSpec(s, j, "p", "n", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	spec := pod.Spec
	if spec.NodeSelector["kubernetes.io/arch"] != "arm64" || spec.NodeSelector["pool"] != "ci" {
		t.Errorf("node selector %v", spec.NodeSelector)
	}
	want := []corev1.Toleration{
		{Key: "gpu", Operator: corev1.TolerationOpEqual, Value: "a100", Effect: corev1.TaintEffectNoSchedule},
		{Key: "gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	}
	if !slices.Equal(spec.Tolerations, want) {
		t.Errorf("tolerations %+v", spec.Tolerations)
	}
	if pod.Labels["team"] != "payments" || pod.Labels["cost-center"] != "ref-main" || pod.Labels[LabelProject] != "3" {
		t.Errorf("labels %v", pod.Labels)
	}
	if pod.Annotations["example.com/owner"] != "alice@example.com" || pod.Annotations[AnnotationActiveAt] == "" {
		t.Errorf("annotations %v", pod.Annotations)
	}
	if spec.ServiceAccountName != "ci-gpu" || *spec.AutomountServiceAccountToken {
		t.Errorf("service account %q, automount %v", spec.ServiceAccountName, *spec.AutomountServiceAccountToken)
	}
	helper := spec.Containers[1].Resources
	if helper.Limits.Cpu().String() != "500m" || helper.Requests.Memory().String() != "256Mi" || helper.Limits.Memory().String() != "512Mi" {
		t.Errorf("helper resources %+v", helper)
	}
	// the request above the default 1Gi limit raised the limit; postgres's own limit wins for it
	if r := spec.Containers[2].Resources; r.Requests.Memory().String() != "1536Mi" || r.Limits.Memory().String() != "1536Mi" {
		t.Errorf("redis resources %+v", r)
	}
	if r := spec.Containers[3].Resources; r.Requests.Memory().String() != "1536Mi" || r.Limits.Memory().String() != "2Gi" {
		t.Errorf("postgres resources %+v", r)
	}
	// the build container keeps the settings' resources: no job variable named it
	if r := spec.Containers[0].Resources; r.Limits.Memory().String() != "4Gi" {
		t.Errorf("build resources %+v", r)
	}
}

func TestJobOverridesRefusedListEveryOneWithItsAllowList(t *testing.T) {
	s := settings(t, allowAll)
	token := "glcd-job-token-0123456789"
	j := &Job{ID: "7", ProjectID: "3", token: ciSecret(token), Services: []Service{{Name: "redis:7"}},
		Variables: []Variable{
			{Key: "CI_JOB_TOKEN", Value: token, Masked: true},
			{Key: "DEPLOY_PASSWORD", Value: "hunter2-hunter2", Masked: true},
			{Key: "KUBERNETES_NODE_SELECTOR_ARCH", Value: "kubernetes.io/arch=s390x"},
			{Key: "KUBERNETES_NODE_SELECTOR_X", Value: "evil=1#kubernetes.io/arch=amd64"},
			{Key: "KUBERNETES_NODE_TOLERATIONS_1", Value: ""},
			{Key: "KUBERNETES_POD_LABELS_ID", Value: "glcd.gitlab.com/project-id=1"},
			{Key: "KUBERNETES_POD_LABELS_MB", Value: "app.kubernetes.io/managed-by=glcd-executor"},
			{Key: "KUBERNETES_POD_LABELS_LEAK", Value: "team=$DEPLOY_PASSWORD"},
			{Key: "KUBERNETES_POD_ANNOTATIONS_TOKEN", Value: "example.com/t=" + token},
			{Key: "KUBERNETES_SERVICE_ACCOUNT_OVERWRITE", Value: "default"},
			{Key: "KUBERNETES_HELPER_MEMORY_LIMIT", Value: "1Gi"},
			{Key: "KUBERNETES_SERVICE_CPU_LIMIT", Value: "1"},
		}}
	_, _, err := PodSpec(s, j, "p", "n", time.Now())
	if err == nil {
		t.Fatal("PodSpec accepted every override")
	}
	var ie *JobImageError
	if !asJobImageError(err, &ie) {
		t.Fatalf("err %T %v, want a JobImageError (a build failure)", err, err)
	}
	msg := err.Error()
	for _, want := range []string{
		`KUBERNETES_NODE_SELECTOR_ARCH="kubernetes.io/arch=s390x" is not allowed by this runner: the value must match nodeSelectorOverwriteAllowed "kubernetes\\.io/arch=(amd64|arm64)"`,
		`KUBERNETES_NODE_SELECTOR_X="evil=1#kubernetes.io/arch=amd64" is not allowed`, // the whole value must match
		`KUBERNETES_NODE_TOLERATIONS_1="" is not allowed by this runner`,
		`KUBERNETES_POD_LABELS_ID="glcd.gitlab.com/project-id=1": glcd.gitlab.com/project-id is the executor's own label`,
		`KUBERNETES_POD_LABELS_MB="app.kubernetes.io/managed-by=glcd-executor": app.kubernetes.io/managed-by is the executor's own label`,
		`KUBERNETES_POD_LABELS_LEAK refers to DEPLOY_PASSWORD: a masked, file or credential variable cannot go into the pod's`,
		`KUBERNETES_POD_ANNOTATIONS_TOKEN holds a secret of the job`,
		`KUBERNETES_SERVICE_ACCOUNT_OVERWRITE="default" is not allowed by this runner: the value must match serviceAccountOverwriteAllowed "ci-(deploy|gpu)"`,
		`KUBERNETES_HELPER_MEMORY_LIMIT=1Gi is above this runner's maximum 512Mi (helperResources.max.memory)`,
		`KUBERNETES_SERVICE_CPU_LIMIT: this runner does not let jobs set cpu (serviceResources.max.cpu in the executor settings)`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error lacks %q:\n%s", want, msg)
		}
	}
	for _, secret := range []string{token, "hunter2-hunter2"} {
		if strings.Contains(msg, secret) {
			t.Errorf("the error shows the secret %q:\n%s", secret, msg)
		}
	}
}

func TestJobOverridesAreRefusedWhenTheSettingsAllowNone(t *testing.T) {
	s := settings(t, "")
	j := &Job{ID: "7", ProjectID: "3", Variables: []Variable{
		{Key: "KUBERNETES_NODE_SELECTOR_ARCH", Value: "kubernetes.io/arch=arm64"},
		{Key: "KUBERNETES_POD_ANNOTATIONS_1", Value: "a=b"},
		{Key: "KUBERNETES_SERVICE_ACCOUNT_OVERWRITE", Value: "ci-deploy"},
		{Key: "KUBERNETES_HELPER_CPU_REQUEST", Value: "1"},
	}}
	_, _, err := PodSpec(s, j, "p", "n", time.Now())
	if err == nil {
		t.Fatal("PodSpec accepted overrides no setting allows")
	}
	for _, want := range []string{
		`KUBERNETES_NODE_SELECTOR_ARCH="kubernetes.io/arch=arm64": this runner does not let jobs change the node selector (nodeSelectorOverwriteAllowed is not set`,
		`KUBERNETES_POD_ANNOTATIONS_1="a=b": this runner does not let jobs change pod annotations (podAnnotationsOverwriteAllowed`,
		`KUBERNETES_SERVICE_ACCOUNT_OVERWRITE="ci-deploy": this runner does not let jobs change the service account`,
		`KUBERNETES_HELPER_CPU_REQUEST: this runner does not let jobs set cpu (helperResources.max.cpu`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%v", want, err)
		}
	}
}

func TestParseTolerationReadsGitLabsForms(t *testing.T) {
	for in, want := range map[string]corev1.Toleration{
		"node-role.kubernetes.io/master:NoSchedule": {Key: "node-role.kubernetes.io/master", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
		"custom.toleration=value:NoSchedule":        {Key: "custom.toleration", Operator: corev1.TolerationOpEqual, Value: "value", Effect: corev1.TaintEffectNoSchedule},
		"empty.value=:PreferNoSchedule":             {Key: "empty.value", Operator: corev1.TolerationOpEqual, Effect: corev1.TaintEffectPreferNoSchedule},
		"onlyKey":                                   {Key: "onlyKey", Operator: corev1.TolerationOpExists},
		"":                                          {Operator: corev1.TolerationOpExists},
	} {
		got, err := parseToleration(in)
		if err != nil || got != want {
			t.Errorf("parseToleration(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"gpu:NoWay", "=v:NoSchedule", "bad key:NoSchedule"} {
		if _, err := parseToleration(in); err == nil {
			t.Errorf("parseToleration(%q) accepted it", in)
		}
	}
}

func TestOverwriteAllowListsMustBeRegularExpressions(t *testing.T) {
	p := t.TempDir() + "/executor.yaml"
	writeFile(t, p, "namespace: ci\npodLabelsOverwriteAllowed: 'team=(a|b'\nserviceAccountOverwriteAllowed: '['\n")
	_, err := LoadSettings(p, ciMap(nil))
	if err == nil || !strings.Contains(err.Error(), `podLabelsOverwriteAllowed "team=(a|b": not a regular expression`) ||
		!strings.Contains(err.Error(), `serviceAccountOverwriteAllowed "[": not a regular expression`) {
		t.Errorf("err %v", err)
	}
}

func ciSecret(s string) ci.Secret { return ci.NewSecret(s) }

func ciMap(m map[string]string) ci.Lookup { return ci.Map(m) }

func asJobImageError(err error, target **JobImageError) bool { return errors.As(err, target) }
