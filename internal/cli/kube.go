package cli

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/urfave/cli/v2"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

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
	r.masker.Add(credentials(t.Config)...)
	if boolFlag(c, "debug") {
		klog.SetOutput(r.err) // client-go's own log lines, masked
	}
	// the API server's warnings quote what was sent (names, values): through the masked stream
	t.Config.WarningHandler = rest.NewWarningWriter(r.err, rest.WarningWriterOptions{Deduplicate: true})
	t.Config.WarningHandlerWithContext = nil
	log := r.logger(c)
	log.Debug("kubernetes target", "source", t.Source, "host", t.Config.Host,
		"namespace", t.Namespace, "namespaceFrom", t.NamespaceSource)
	count := &atomic.Int64{}
	t.Config.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		// inside the auth wrappers: sees the header whatever produced it (token file, exec plugin)
		return &countingTransport{rt: rt, n: count, log: log, masker: r.masker}
	})
	// the typed client speaks protobuf, as Kubernetes' own controllers do: a list of a
	// thousand pods decodes in a fraction of JSON's memory and time (Performance)
	pc := rest.CopyConfig(t.Config)
	pc.ContentType = kruntime.ContentTypeProtobuf
	pc.AcceptContentTypes = kruntime.ContentTypeProtobuf + "," + kruntime.ContentTypeJSON
	cs, err := kubernetes.NewForConfig(pc)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("kubernetes client: %w", err)
	}
	return t, cs, count, nil
}

// credentials are the secrets a client configuration holds or points at: static token and
// password, the token file's content, the client key (each line of its PEM, and its base64
// as a kubeconfig writes it).
func credentials(cfg *rest.Config) []ci.Secret {
	out := []ci.Secret{ci.NewSecret(cfg.BearerToken), ci.NewSecret(cfg.Password)}
	if cfg.BearerTokenFile != "" {
		if b, err := os.ReadFile(cfg.BearerTokenFile); err == nil {
			out = append(out, ci.NewSecret(strings.TrimSpace(string(b))))
		}
	}
	key := cfg.KeyData
	if len(key) == 0 && cfg.KeyFile != "" {
		key, _ = os.ReadFile(cfg.KeyFile)
	}
	if len(key) > 0 {
		out = append(out, ci.NewSecret(base64.StdEncoding.EncodeToString(key)))
		for _, line := range strings.Split(string(key), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "-----") {
				out = append(out, ci.NewSecret(line))
			}
		}
	}
	return out
}

// countingTransport counts API requests and logs them at debug level (URLs carry no
// credentials), and teaches the masker every bearer token it sees go out.
type countingTransport struct {
	rt     http.RoundTripper
	n      *atomic.Int64
	log    *slog.Logger
	masker *ci.Masker
	last   atomic.Value // the last Authorization header taught to the masker
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.n.Add(1)
	if h := req.Header.Get("Authorization"); h != "" && t.last.Load() != h {
		t.last.Store(h)
		if _, tok, ok := strings.Cut(h, " "); ok {
			t.masker.Add(ci.NewSecret(tok))
		}
	}
	start := time.Now()
	resp, err := t.rt.RoundTrip(req)
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	t.log.Debug("api", "method", req.Method, "url", req.URL.Redacted(), "status", status, "took", time.Since(start).Round(time.Millisecond), "err", err)
	return resp, err
}
