package testbed

import (
	"context"
	"fmt"
	"os"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Registries inside the test bed's network namespace (Debian's docker-registry, the CNCF
// distribution registry). containerd reaches localhost registries over plain HTTP, so pods can
// pull from them; nothing else is reachable, so every other pull fails with a network error.
const (
	// Registry answers without authentication: a missing image is a real "not found".
	Registry = "localhost:5000"
	// RegistryAuth requires RegistryUser/RegistryPassword: pulls without them are "unauthorized".
	RegistryAuth     = "localhost:5001"
	RegistryUser     = "testbed"
	RegistryPassword = "testbed-registry-pass"
)

func (c *Cluster) startRegistries(ctx context.Context, persistent bool) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(RegistryPassword), bcrypt.MinCost)
	if err != nil {
		return err
	}
	if err := os.WriteFile(c.path("registry.htpasswd"), fmt.Appendf(nil, "%s:%s\n", RegistryUser, hash), 0o600); err != nil {
		return err
	}
	for _, r := range []struct{ name, addr, auth string }{
		{"registry", "127.0.0.1:5000", ""},
		{"registry-auth", "127.0.0.1:5001", fmt.Sprintf("auth:\n  htpasswd:\n    realm: testbed\n    path: %s\n", c.path("registry.htpasswd"))},
	} {
		cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n%s",
			c.path(r.name+"-data"), r.addr, r.auth)
		if err := os.WriteFile(c.path(r.name+".yml"), []byte(cfg), 0o644); err != nil {
			return err
		}
		if err := c.spawn(r.name, persistent, "docker-registry", "serve", c.path(r.name+".yml")); err != nil {
			return err
		}
	}
	// the registries listen inside the namespace: probe them from there
	for _, port := range []string{"5000", "5001"} {
		if err := c.waitFor(ctx, "registry :"+port, 30*time.Second, func(ctx context.Context) (bool, error) {
			return c.slot.inNetns(ctx, "/bin/busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:"+port+"/") == nil, nil
		}, "registry", "registry-auth"); err != nil {
			return err
		}
	}
	return nil
}
