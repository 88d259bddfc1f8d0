package cli

import (
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/urfave/cli/v2"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/kube"
)

func boolFlag(c *cli.Context, name string) bool {
	return lookup(c, name, (*cli.Context).Bool)
}

// logger returns the --debug logger (masked stderr) or one that discards.
func (r *runtime) logger(c *cli.Context) *slog.Logger {
	if !boolFlag(c, "debug") {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(r.err, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// withProjectNamespace makes PROJECT_NAME the namespace when neither --namespace nor
// KUBE_NAMESPACE names one (rollout and apply keep the old scripts' contract).
func withProjectNamespace(project string) func(*kube.Options) {
	return func(o *kube.Options) { o.ProjectNamespace = project }
}

// kubeClient resolves the cluster from the global flags and the environment, teaches the
// masker the credentials it found, and counts (and with --debug logs) every API request.
func (r *runtime) kubeClient(c *cli.Context, opts ...func(*kube.Options)) (*kube.Target, kubernetes.Interface, *atomic.Int64, error) {
	o := kube.Options{
		Kubeconfig:            stringFlag(c, "kubeconfig"),
		Context:               stringFlag(c, "context"),
		Namespace:             stringFlag(c, "namespace"),
		InsecureSkipTLSVerify: boolFlag(c, "insecure-skip-tls-verify"),
		UserAgent:             "glcd/" + r.info.Version,
		Warn:                  r.err,
	}
	for _, f := range opts {
		f(&o)
	}
	t, err := kube.Resolve(o, r.env)
	if err != nil {
		return nil, nil, nil, err
	}
	r.masker.Add(ci.NewSecret(t.Config.BearerToken), ci.NewSecret(t.Config.Password))
	// the API server's warnings quote what was sent (names, values): through the masked stream
	t.Config.WarningHandler = rest.NewWarningWriter(r.err, rest.WarningWriterOptions{Deduplicate: true})
	t.Config.WarningHandlerWithContext = nil
	log := r.logger(c)
	log.Debug("kubernetes target", "source", t.Source, "host", t.Config.Host,
		"namespace", t.Namespace, "namespaceFrom", t.NamespaceSource)
	count := &atomic.Int64{}
	t.Config.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return &countingTransport{rt: rt, n: count, log: log}
	})
	cs, err := kubernetes.NewForConfig(t.Config)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("kubernetes client: %w", err)
	}
	return t, cs, count, nil
}

// countingTransport counts API requests and logs them at debug level (URLs carry no credentials).
type countingTransport struct {
	rt  http.RoundTripper
	n   *atomic.Int64
	log *slog.Logger
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.n.Add(1)
	start := time.Now()
	resp, err := t.rt.RoundTrip(req)
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	t.log.Debug("api", "method", req.Method, "url", req.URL.Redacted(), "status", status, "took", time.Since(start).Round(time.Millisecond), "err", err)
	return resp, err
}
