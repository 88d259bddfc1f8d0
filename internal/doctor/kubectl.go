package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/version"
)

// kubectl is check 8: kubectl on PATH runs and prints its version; skew against the server.
func (d *run) kubectl(ctx context.Context) {
	if !d.needsCluster() {
		return
	}
	d.add(timed(func() Result {
		path, err := d.opts.Exec.LookPath("kubectl")
		if err != nil {
			return Result{Check: CheckKubectl, Status: Warn, Evidence: "not on PATH (glcd does not need it; script lines that call kubectl would fail)"}
		}
		rctx, cancel := context.WithTimeout(ctx, 2*d.opts.StepTimeout)
		defer cancel()
		out, errOut, err := d.opts.Exec.Run(rctx, d.opts.Environ, path, "version", "--client", "-o", "json")
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			return Result{Check: CheckKubectl, Status: Fail, Evidence: fmt.Sprintf("%s cannot run: %v", path, err),
				Fix: fmt.Sprintf("%s is not a program for this machine (a failed download saved as a file, an HTML error page, another CPU architecture): "+
					"download it again with `curl -fsSLo kubectl https://dl.k8s.io/release/vX.Y.Z/bin/linux/amd64/kubectl` (-f fails on HTTP errors), or use the glcd image, which ships kubectl", path)}
		}
		var v struct {
			ClientVersion struct {
				GitVersion string `json:"gitVersion"`
			} `json:"clientVersion"`
		}
		if len(strings.TrimSpace(string(out))) == 0 || json.Unmarshal(out, &v) != nil || v.ClientVersion.GitVersion == "" {
			what := "printed nothing"
			if len(strings.TrimSpace(string(out))) > 0 {
				what = "printed no version: " + firstLine(strings.TrimSpace(string(out)))
			}
			if s := strings.TrimSpace(string(errOut)); s != "" {
				what += "; stderr: " + firstLine(s)
			}
			return Result{Check: CheckKubectl, Status: Fail, Evidence: fmt.Sprintf("%s version --client exited %d and %s", path, code, what),
				Fix: fmt.Sprintf("%s is not a working kubectl (a stub, a wrapper, or a download that went elsewhere): "+
					"replace it (`curl -fsSLo /usr/local/bin/kubectl https://dl.k8s.io/release/vX.Y.Z/bin/linux/amd64/kubectl && chmod +x`, "+
					"and check `which -a kubectl`), or use the glcd image, which ships kubectl", path)}
		}
		ev := fmt.Sprintf("%s %s", path, v.ClientVersion.GitVersion)
		if d.server == "" {
			return Result{Check: CheckKubectl, Status: OK, Evidence: ev}
		}
		skew, err := minorSkew(v.ClientVersion.GitVersion, d.server)
		if err != nil {
			return Result{Check: CheckKubectl, Status: OK, Evidence: ev + "; server " + d.server}
		}
		if skew > 1 || skew < -1 {
			return Result{Check: CheckKubectl, Status: Warn, Evidence: fmt.Sprintf("%s against server %s: %d minor versions apart; kubectl supports one (use kubectl %s)",
				ev, d.server, abs(skew), serverMinor(d.server))}
		}
		return Result{Check: CheckKubectl, Status: OK, Evidence: ev + ", server " + d.server + " (within kubectl's ±1 minor)"}
	}))
}

func minorSkew(client, server string) (int, error) {
	c, err := version.ParseGeneric(client)
	if err != nil {
		return 0, err
	}
	s, err := version.ParseGeneric(server)
	if err != nil {
		return 0, err
	}
	if c.Major() != s.Major() {
		return 99, nil
	}
	return int(c.Minor()) - int(s.Minor()), nil
}

func serverMinor(server string) string {
	s, err := version.ParseGeneric(server)
	if err != nil {
		return server
	}
	return "v" + strconv.Itoa(int(s.Major())) + "." + strconv.Itoa(int(s.Minor()))
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}
