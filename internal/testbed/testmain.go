package testbed

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Main starts one cluster for a test package, runs its tests and stops the cluster.
// Use it from TestMain:
//
//	var tb *testbed.Cluster
//	func TestMain(m *testing.M) { os.Exit(testbed.Main(m, &tb)) }
//
// A cluster that cannot start fails the package (exit 1): the tests never skip silently.
// Each setup function runs once on the new cluster (importing images, say) before the tests.
func Main(m *testing.M, dst **Cluster, setup ...func(*Cluster) error) int {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Minute)
	defer cancel()
	c, err := Start(ctx, Options{Log: os.Stderr})
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: test bed: %v\n", err)
		return 1
	}
	*dst = c
	for _, f := range setup {
		if err := f(c); err != nil {
			fmt.Fprintf(os.Stderr, "FAIL: test bed setup: %v\n", err)
			_ = c.Stop(context.Background())
			return 1
		}
	}
	code := m.Run()
	fmt.Fprintf(os.Stderr, "testbed %s: %s\n", c.Name, c.MemoryReport())
	if err := c.Stop(context.Background()); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: test bed stop: %v\n", err)
		return 1
	}
	return code
}

var nsCounter atomic.Int64

var nonDNS = regexp.MustCompile(`[^a-z0-9-]+`)

// Namespace creates a namespace named after the test and deletes it when the test ends.
func (c *Cluster) Namespace(t testing.TB) string {
	t.Helper()
	base := nonDNS.ReplaceAllString(strings.ToLower(t.Name()), "-")
	if len(base) > 40 {
		base = base[:40]
	}
	name := fmt.Sprintf("%s-%d", strings.Trim(base, "-"), nsCounter.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.CreateNamespace(ctx, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		zero := int64(0)
		_ = c.Client.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
	})
	return name
}
