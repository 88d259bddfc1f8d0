package executor

import (
	"os"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/client-go/kubernetes/scheme"

	"gitlab.com/glcd/glcd/internal/access"
)

// The RBAC the executor's tests run with (examples/runner/rbac.yaml) and the executor's
// permission list that glcd doctor checks and glcd setup generates are the same grants.
func TestExampleRBACIsTheExecutorsPermissionList(t *testing.T) {
	b, err := os.ReadFile("../examples/runner/rbac.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var fromYAML []string
	for _, doc := range strings.Split(string(b), "\n---\n") {
		obj, _, err := scheme.Codecs.UniversalDeserializer().Decode([]byte(doc), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		role, ok := obj.(*rbacv1.Role)
		if !ok {
			continue
		}
		for _, r := range role.Rules {
			for _, g := range r.APIGroups {
				for _, res := range r.Resources {
					for _, v := range r.Verbs {
						fromYAML = append(fromYAML, v+" "+res+"|"+g)
					}
				}
			}
		}
	}
	var fromList []string
	for _, g := range access.Grants(access.For(access.Executor)) {
		res := g.Resource
		if g.Subresource != "" {
			res += "/" + g.Subresource
		}
		fromList = append(fromList, g.Verb+" "+res+"|"+g.Group)
	}
	slices.Sort(fromYAML)
	slices.Sort(fromList)
	if !slices.Equal(fromYAML, fromList) {
		t.Errorf("examples/runner/rbac.yaml grants\n  %v\naccess.For(Executor) lists\n  %v", fromYAML, fromList)
	}
}
