package apply_test

import (
	"fmt"
	"os"
	"testing"

	"gitlab.com/glcd/glcd/internal/testbed"
	"gitlab.com/glcd/glcd/internal/testbed/clitest"
)

var tb *testbed.Cluster

func TestMain(m *testing.M) { os.Exit(testbed.Main(m, &tb, testbed.ImportAppImages)) }

const jobToken = "glcbt-64_ApplyJobTokenNeverPrinted"

// glcd runs the CLI in-process against the test bed, with a job token it must never print.
func glcd(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	tb.Need(t)
	return clitest.Run(t, append([]string{"KUBECONFIG=" + tb.Kubeconfig, "CI_JOB_TOKEN=" + jobToken}, env...), []string{jobToken}, args...)
}

var (
	wantCode = clitest.WantCode
	wantIn   = clitest.WantIn
	ctxT     = clitest.Ctx
)

func nsArg(ns string) string { return fmt.Sprintf("--namespace=%s", ns) }

func deployedImage(t *testing.T, ns string) string {
	t.Helper()
	return clitest.DeployedImage(t, tb.Client, ns, "web")
}
