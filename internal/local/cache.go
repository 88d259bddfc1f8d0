package local

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"k8s.io/client-go/tools/remotecommand"

	"gitlab.com/glcd/glcd/executor"
	"gitlab.com/glcd/glcd/internal/pipeline"
)

// Cache is one of a job's caches: paths in the project directory kept on the cache volume
// under Key, restored before the script (policy pull or pull-push) and saved after
// after_script (policy push or pull-push) when When says (on_success, on_failure, always).
type Cache struct {
	Key          string
	Paths        []string
	Policy, When string
}

var keyChars = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

// caches reads a job's cache: (a map, or a list of maps) with its variables expanded. A key
// of files: is the hash of those files' contents in the working tree (GitLab hashes their
// last commits): noted.
func caches(dir string, v any, vars map[string]string) ([]Cache, []string, error) {
	var list []any
	switch x := v.(type) {
	case nil:
		return nil, nil, nil
	case map[string]any:
		list = []any{x}
	case []any:
		list = x
	default:
		return nil, nil, fmt.Errorf("cache: is a map or a list of maps, not %v", v)
	}
	var out []Cache
	var notes []string
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, nil, fmt.Errorf("cache: %v is not a map", e)
		}
		c := Cache{Key: "default", Policy: "pull-push", When: "on_success"}
		switch k := m["key"].(type) {
		case nil:
		case map[string]any:
			h := sha256.New()
			files, _ := k["files"].([]any)
			for _, f := range files {
				b, err := os.ReadFile(filepath.Join(dir, fmt.Sprint(f)))
				if err != nil {
					return nil, nil, fmt.Errorf("cache: key: files: %w", err)
				}
				h.Write(b)
			}
			c.Key = hex.EncodeToString(h.Sum(nil))[:40]
			if p, ok := k["prefix"]; ok {
				c.Key = pipeline.Expand(fmt.Sprint(p), vars) + "-" + c.Key
			}
			notes = append(notes, fmt.Sprintf("cache key %s: hashed from the working tree's files (GitLab hashes their last commits)", c.Key))
		default:
			c.Key = pipeline.Expand(fmt.Sprint(k), vars)
		}
		c.Key = keyChars.ReplaceAllString(c.Key, "_")
		if p, ok := m["policy"]; ok {
			c.Policy = pipeline.Expand(fmt.Sprint(p), vars)
		}
		if w, ok := m["when"]; ok {
			c.When = fmt.Sprint(w)
		}
		paths, _ := m["paths"].([]any)
		for _, p := range paths {
			c.Paths = append(c.Paths, pipeline.Expand(fmt.Sprint(p), vars))
		}
		if m["untracked"] == true {
			notes = append(notes, "cache untracked: is not kept locally: list the paths")
		}
		if len(c.Paths) > 0 {
			out = append(out, c)
		}
	}
	return out, notes, nil
}

// cacheScript runs in the helper container: restore (or save) the caches whose policy and
// when allow it, under the cache directory's local/ directory; "" when none does.
func (p *Plan) cacheScript(dir string, save bool, passed bool) string {
	var b strings.Builder
	for _, c := range p.Caches {
		f := quote(path.Join(dir, "local", c.Key+".tar"))
		if !save {
			if c.Policy == "push" {
				continue
			}
			fmt.Fprintf(&b, "if [ -f %s ]; then tar -xf %s -C %s && echo \"cache %s: restored ($(du -sk %s | cut -f1) KiB)\"; else echo \"cache %s: none yet\"; fi\n",
				f, f, quote(p.ProjectDir), c.Key, f, c.Key)
			continue
		}
		if c.Policy == "pull" || (c.When == "on_success" && !passed) || (c.When == "on_failure" && passed) {
			continue
		}
		fmt.Fprintf(&b, "cd %s && set --\n", quote(p.ProjectDir))
		for _, path := range c.Paths {
			// a path is a glob: the shell expands it, and what does not exist is left out
			fmt.Fprintf(&b, "for f in %s; do [ -e \"$f\" ] && set -- \"$@\" \"$f\"; done\n", globQuote(path))
		}
		fmt.Fprintf(&b, "mkdir -p %s && if [ $# -gt 0 ]; then tar -cf %s.tmp \"$@\" && mv %s.tmp %s && echo \"cache %s: saved $# paths ($(du -sk %s | cut -f1) KiB)\"; else echo \"cache %s: nothing to save\"; fi\n",
			quote(path.Join(dir, "local")), f, f, f, c.Key, f, c.Key)
	}
	if b.Len() == 0 {
		return ""
	}
	return "set -e\numask 0000\n" + b.String()
}

// globQuote quotes a path for the shell but leaves its glob characters working.
func globQuote(p string) string {
	var b strings.Builder
	for _, r := range p {
		if strings.ContainsRune("*?[]", r) {
			b.WriteRune(r)
			continue
		}
		b.WriteString(quote(string(r)))
	}
	return b.String()
}

// runCache restores (save false) or saves the caches in the helper container.
func runCache(ctx context.Context, d *executor.Driver, p *Plan, cacheDir string, save, passed bool, out io.Writer) error {
	script := p.cacheScript(cacheDir, save, passed)
	if script == "" {
		return nil
	}
	var stderr bytes.Buffer
	err := d.Exec(ctx, executor.HelperContainer, []string{"sh", "-c", script}, remotecommand.StreamOptions{Stdout: out, Stderr: &stderr})
	if err != nil {
		what := map[bool]string{false: "restoring", true: "saving"}[save]
		return fmt.Errorf("%s the cache: %w %s", what, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
