package main

import (
	"debug/elf"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The binary as the Makefile builds it: static, with version and commit stamped by -ldflags.
func TestBinaryIsStaticAndStamped(t *testing.T) {
	if testing.Short() {
		t.Skip("builds glcd as the Makefile does, which go test -short does not")
	}
	bin := filepath.Join(t.TempDir(), "glcd")
	mod, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "k8s.io/client-go").Output()
	if err != nil {
		t.Fatal(err)
	}
	clientGo := strings.TrimSpace(string(mod))
	kube := "v1." + strings.TrimPrefix(clientGo, "v0.")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.version=9.9.9-test -X main.commit=feedbee -X main.clientGo="+clientGo+
		" -X k8s.io/component-base/version.gitVersion="+kube, "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatal("glcd is dynamically linked: it must run in any image, alpine included")
		}
	}
	out, err := exec.Command(bin, "version", "--output", "json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ Version, Commit, Go, ClientGo string }
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if v.Version != "9.9.9-test" || v.Commit != "feedbee" || v.Go != runtime.Version() || v.ClientGo != clientGo || !strings.HasPrefix(clientGo, "v0.") {
		t.Fatalf("version output %+v", v)
	}
	// started as kubectl (a link, as in the image), glcd is kubectl of its client-go's version
	link := filepath.Join(filepath.Dir(bin), "kubectl")
	if err := os.Symlink("glcd", link); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(link, "version", "--client").Output()
	if err != nil || !strings.HasPrefix(string(out), "Client Version: "+kube+"\n") {
		t.Fatalf("kubectl version --client: %v\n%s", err, out)
	}
	if code := exec.Command(link, "no-such-command").Run(); code == nil {
		t.Fatal("kubectl no-such-command succeeded")
	}
	// exit codes reach the process
	cmd := exec.Command(bin, "--output", "xml", "version")
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Fatalf("bad flag value: %v, want exit 2", err)
	}
}
