package kubectl

import "testing"

func TestInvoked(t *testing.T) {
	for arg0, want := range map[string]bool{
		"kubectl": true, "/usr/local/bin/kubectl": true, "./kubectl": true, `C:\bin\kubectl.exe`: false, "kubectl.exe": true,
		"glcd": false, "/usr/local/bin/glcd": false, "kubectl-hello": false, "/kubectl/glcd": false, "": false,
	} {
		if got := Invoked(arg0); got != want {
			t.Errorf("Invoked(%q) = %v, want %v", arg0, got, want)
		}
	}
}
