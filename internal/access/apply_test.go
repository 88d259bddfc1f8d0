package access_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/access"
)

// allKinds is one object of every kind the apply list covers; the workloads become ready
// (image IMAGE), so `glcd apply` watches three rollouts to success.
const allKinds = `apiVersion: v1
kind: ServiceAccount
metadata: {name: web}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web}
data: {greeting: hello}
---
apiVersion: v1
kind: Secret
metadata: {name: web}
stringData: {password: not-a-real-one}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: web}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Mi}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: POD
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: POD
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: POD
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec: {restartPolicy: Never, containers: [{name: m, image: testbed.local/app:1, command: ["true"]}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec: {restartPolicy: Never, containers: [{name: r, image: testbed.local/app:1}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec: {defaultBackend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web}
spec: {podSelector: {matchLabels: {app: web}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 2
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}]
`

// pod is the workloads' pod spec (YAML anchors do not reach across documents).
// pod's readiness takes 3 s, so every workload is still rolling out when glcd starts watching:
// a test without a watch grant always needs the watch (with 1 s a loaded machine sometimes
// finished the 14 applies after the daemonset was ready, and no watch was needed).
const pod = `{terminationGracePeriodSeconds: 0, containers: [{name: web, image: IMAGE, readinessProbe: {exec: {command: ["true"]}, initialDelaySeconds: 3, periodSeconds: 1, timeoutSeconds: 10}}]}`

// TestApplyListIsExactlyEnough is the same proof for apply: with a Role generated from the
// list, `glcd apply` of every covered kind succeeds (and a broken release fails with its log);
// without any single verb it fails with "forbidden" naming it.
func TestApplyListIsExactlyEnough(t *testing.T) {
	rules := access.For(access.Apply)
	manifest := func(t *testing.T, image string) string {
		f := filepath.Join(t.TempDir(), "app.yaml")
		if err := os.WriteFile(f, []byte(strings.ReplaceAll(strings.ReplaceAll(allKinds, "POD", pod), "IMAGE", image)), 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	// apply reads events and logs only when a rollout fails
	failureOnly := func(g access.Grant) bool { return g.Resource == "events" || g.Subresource == "log" }
	applyAs := func(t *testing.T, ns, token, image string) (string, int) {
		return run(t, ns, token, "plain", "apply", "-f", manifest(t, image), "--fail-after", "1s", "--timeout", "90s")
	}
	t.Run("full", func(t *testing.T) {
		t.Parallel()
		ns := tb.Namespace(t)
		token := robot(t, ns, rules)
		out, code := applyAs(t, ns, token, "testbed.local/app:1")
		if code != 0 || strings.Contains(out, "forbidden") || !strings.Contains(out, "horizontalpodautoscaler") && !strings.Contains(out, "HorizontalPodAutoscaler") {
			t.Fatalf("apply as the robot: exit %d:\n%s", code, out)
		}
		out, code = applyAs(t, ns, token, "testbed.local/app:crash")
		if code != 1 || strings.Contains(out, "forbidden") || !strings.Contains(out, "boom: cannot open database") {
			t.Fatalf("broken apply as the robot: exit %d, want 1 with the log:\n%s", code, out)
		}
	})
	sem := make(chan struct{}, 3)
	for _, g := range access.Grants(rules) {
		t.Run(strings.ReplaceAll(g.String(), " ", "_"), func(t *testing.T) {
			t.Parallel()
			sem <- struct{}{}
			defer func() { <-sem }()
			ns := tb.Namespace(t)
			token := robot(t, ns, access.Without(rules, g))
			image := "testbed.local/app:1"
			if failureOnly(g) {
				image = "testbed.local/app:crash"
			}
			out, code := applyAs(t, ns, token, image)
			res := g.Resource
			if g.Subresource != "" {
				res += "/" + g.Subresource
			}
			want := fmt.Sprintf("cannot %s resource %q", g.Verb, res)
			if code == 0 || !strings.Contains(out, "forbidden") || !strings.Contains(out, want) {
				t.Fatalf("without %s: exit %d, want a failure saying %q:\n%s", g, code, want, out)
			}
		})
	}
}
