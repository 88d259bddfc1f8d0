package manifest

import (
	"fmt"
	"strings"
	"testing"
)

// aliasBomb is a Deployment beside "a billion laughs": nine levels of ten aliases each, 10^9
// strings once expanded. The laughs reach the pod through a << merge and an alias, so every
// lookup the edit makes goes through them.
func aliasBomb() []byte {
	var b strings.Builder
	b.WriteString(`l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d,", i-1), 10), ","))
	}
	b.WriteString(`---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    metadata: &meta {labels: {app: web}, annotations: {laughs: *l9}}
    spec: &spec
      <<: {volumes: *l9}
      containers:
      - name: web
        image: reg/app:1
        args: *l9
---
apiVersion: v1
kind: Pod
metadata: *meta
spec: *spec
`)
	return []byte(b.String())
}

// The edit walks the nodes as written, never an alias's expansion: a manifest with an alias
// bomb is edited as any other (and a hang here would end the test run).
func TestSetImageIsBoundedOnAliasBombs(t *testing.T) {
	src := aliasBomb()
	out, edits, err := SetImage(src, Change{Repository: "reg/app", Tag: "2"})
	if err != nil {
		t.Fatalf("SetImage: %v", err)
	}
	if len(edits) != 1 || !strings.Contains(string(out), "image: reg/app:2") || len(out) != len(src) {
		t.Errorf("edits %+v; want the one image set in place:\n%s", edits, out)
	}
	// the Pod's spec is the Deployment's, through *spec: two uses of the one node
	imgs, err := Images(src)
	if err != nil || len(imgs) != 2 || imgs[0].Line != imgs[1].Line {
		t.Errorf("Images: %v, %+v; want the Deployment's and the Pod's, one node", err, imgs)
	}
}

// Aliases of aliases and merges that include themselves end: the lookups follow an alias a
// bounded number of times and visit each merged mapping once.
func TestSelfReferencingMergesEnd(t *testing.T) {
	for name, src := range map[string]string{
		"merge of itself":   "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: &s\n  <<: *s\n  containers: [{name: c, image: reg/app:1}]\n",
		"merges in a cycle": "a: &a {k: 1}\nb: &b {<<: *a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  <<: [*b, *a, *b]\n  containers: [{name: c, image: reg/app:1}]\n",
	} {
		out, edits, err := SetImage([]byte(src), Change{Repository: "reg/app", Tag: "2"})
		if err != nil || len(edits) != 1 || !strings.Contains(string(out), "image: reg/app:2") {
			t.Errorf("%s: %v, edits %+v:\n%s", name, err, edits, out)
		}
	}
}
