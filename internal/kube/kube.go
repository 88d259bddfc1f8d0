// Package kube turns flags and the GitLab environment into one *rest.Config and namespace.
//
// Sources, first match wins: --kubeconfig/--context flags; KUBECONFIG (+ KUBE_CONTEXT);
// KUBE_URL + KUBE_TOKEN + KUBE_CA_PEM or KUBE_CA_PEM_FILE (GitLab's certificate-based
// integration); the in-cluster service account. Namespace: --namespace, KUBE_NAMESPACE,
// PROJECT_NAME (for the commands that keep the old scripts' contract), the context's
// namespace or, in a pod, the pod's own, then "default". TLS is always verified unless
// --insecure-skip-tls-verify.
package kube

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
)

// Options are the command-line choices; empty fields fall back to the environment.
type Options struct {
	Kubeconfig            string // --kubeconfig
	Context               string // --context
	Namespace             string // --namespace
	InsecureSkipTLSVerify bool   // --insecure-skip-tls-verify
	UserAgent             string
	// Warn receives warnings (insecure TLS, ignored kubeconfig settings). Nil discards them.
	Warn io.Writer
	// InCluster returns the in-cluster config, or rest.ErrNotInCluster. Nil uses rest.InClusterConfig.
	InCluster func() (*rest.Config, error)
	// InClusterNamespace returns the pod's namespace. Nil reads the service account's
	// namespace file, as kubectl does.
	InClusterNamespace func() (string, error)
	// ProjectNamespace is the old scripts' namespace (PROJECT_NAME), used when neither
	// --namespace nor KUBE_NAMESPACE says one.
	ProjectNamespace string
}

// serviceAccountNamespace is where a pod's service account namespace is mounted.
const serviceAccountNamespace = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// Target is where glcd talks to.
type Target struct {
	Config          *rest.Config
	Namespace       string
	Source          string // how the config was found, for messages ("KUBECONFIG=/path, context x")
	NamespaceSource string // where the namespace came from
	Context         string // the kubeconfig context used, if any
}

// Resolve finds the cluster and namespace to use.
func Resolve(opts Options, env *ci.Env) (*Target, error) {
	warn := opts.Warn
	if warn == nil {
		warn = io.Discard
	}
	t, err := resolveConfig(opts, env, warn)
	if err != nil {
		return nil, err
	}
	switch {
	case opts.Namespace != "":
		t.Namespace, t.NamespaceSource = opts.Namespace, "--namespace"
	case env.Kube.Namespace != "":
		t.Namespace, t.NamespaceSource = env.Kube.Namespace, "KUBE_NAMESPACE"
	case opts.ProjectNamespace != "":
		t.Namespace, t.NamespaceSource = opts.ProjectNamespace, "PROJECT_NAME"
	case t.Namespace != "": // the context's, or the pod's (resolveConfig says which)
	default:
		t.Namespace, t.NamespaceSource = "default", "default"
	}
	if opts.InsecureSkipTLSVerify {
		fmt.Fprintf(warn, "WARNING: --insecure-skip-tls-verify: the API server's certificate is NOT verified; "+
			"anyone on the path can read the credentials glcd sends to %s\n", t.Config.Host)
		t.Config.Insecure = true
		t.Config.CAData, t.Config.CAFile = nil, ""
	} else if t.Config.Insecure {
		fmt.Fprintf(warn, "WARNING: %s asks to skip TLS verification; glcd verifies anyway "+
			"(pass --insecure-skip-tls-verify to really skip it)\n", t.Source)
		t.Config.Insecure = false
	}
	if opts.UserAgent != "" {
		t.Config.UserAgent = opts.UserAgent
	}
	if t.Config.QPS == 0 {
		// client-go's default, 5 requests a second (burst 10), made gc of 1,000 left-over job
		// pods (2,001 requests) take minutes
		t.Config.QPS, t.Config.Burst = ClientQPS, 2*ClientQPS
	}
	return t, nil
}

// ClientQPS is the rate glcd's clients may send requests at (with bursts of twice that).
const ClientQPS = 50

func resolveConfig(opts Options, env *ci.Env, warn io.Writer) (*Target, error) {
	switch {
	case opts.Kubeconfig != "":
		return fromKubeconfig(opts.Kubeconfig, "--kubeconfig", pick(opts.Context, env.Kube.Context))
	case env.Kube.Config != "":
		return fromKubeconfig(env.Kube.Config, "KUBECONFIG", pick(opts.Context, env.Kube.Context))
	case env.Kube.URL != "" || env.Kube.Token.IsSet():
		return fromCertificateIntegration(env)
	}
	inCluster := opts.InCluster
	if inCluster == nil {
		inCluster = rest.InClusterConfig
	}
	cfg, err := inCluster()
	if err == nil {
		t := &Target{Config: cfg, Source: "in-cluster service account"}
		nsOf := opts.InClusterNamespace
		if nsOf == nil {
			nsOf = func() (string, error) {
				b, err := os.ReadFile(serviceAccountNamespace)
				return strings.TrimSpace(string(b)), err
			}
		}
		if ns, err := nsOf(); err == nil && ns != "" {
			t.Namespace, t.NamespaceSource = ns, "the pod's namespace"
		}
		return t, nil
	}
	if !errors.Is(err, rest.ErrNotInCluster) {
		return nil, exitcode.UsageError(fmt.Errorf("in-cluster configuration: %w", err))
	}
	return nil, exitcode.UsageError(fmt.Errorf("no Kubernetes cluster configured: tried --kubeconfig, KUBECONFIG, "+
		"KUBE_URL/KUBE_TOKEN and the in-cluster service account.\n  KUBECONFIG: %s\n  KUBE_URL: %s",
		ci.Hint("KUBECONFIG"), ci.Hint("KUBE_URL")))
}

func pick(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func fromKubeconfig(paths, source, context string) (*Target, error) {
	for _, p := range filepath.SplitList(paths) {
		if err := ci.CheckFileSize(p); err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
	}
	rules := &clientcmd.ClientConfigLoadingRules{Precedence: filepath.SplitList(paths)}
	if len(rules.Precedence) == 1 {
		rules = &clientcmd.ClientConfigLoadingRules{ExplicitPath: paths}
	}
	raw, err := rules.Load()
	if err != nil {
		return nil, exitcode.UsageError(fmt.Errorf("%s=%s: %w", source, paths, err))
	}
	names := contextNames(raw)
	if context == "" {
		context = raw.CurrentContext
	}
	if context == "" {
		switch len(names) {
		case 0:
			return nil, exitcode.UsageError(fmt.Errorf("%s=%s has no contexts (%s)", source, paths, ci.Hint("KUBECONFIG")))
		case 1:
			context = names[0]
		default:
			return nil, exitcode.UsageError(fmt.Errorf("%s=%s has %d contexts and no current-context: set KUBE_CONTEXT "+
				"(or --context) to one of: %s", source, paths, len(names), strings.Join(names, ", ")))
		}
	}
	if _, ok := raw.Contexts[context]; !ok {
		return nil, exitcode.UsageError(fmt.Errorf("context %q is not in %s=%s; it has: %s "+
			"(GitLab agent contexts are named path/to/agent-project:agent-name)",
			context, source, paths, strings.Join(names, ", ")))
	}
	cc := clientcmd.NewNonInteractiveClientConfig(*raw, context, &clientcmd.ConfigOverrides{}, rules)
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, exitcode.UsageError(fmt.Errorf("%s=%s, context %s: %w", source, paths, context, err))
	}
	ns, _, err := cc.Namespace()
	if err != nil {
		return nil, exitcode.UsageError(fmt.Errorf("%s=%s, context %s: namespace: %w", source, paths, context, err))
	}
	if c := raw.Contexts[context]; c.Namespace == "" {
		ns = "" // clientcmd says "default" for an unset namespace; KUBE_NAMESPACE must still win
	}
	t := &Target{Config: cfg, Namespace: ns, Context: context,
		Source: fmt.Sprintf("%s=%s, context %s", source, paths, context)}
	if ns != "" {
		t.NamespaceSource = "the context's namespace"
	}
	return t, nil
}

func contextNames(c *clientcmdapi.Config) []string {
	names := make([]string, 0, len(c.Contexts))
	for n := range c.Contexts {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func fromCertificateIntegration(env *ci.Env) (*Target, error) {
	k := env.Kube
	missing := map[string]string{}
	if k.URL == "" {
		missing["KUBE_URL"] = "is not set"
	}
	if !k.Token.IsSet() {
		missing["KUBE_TOKEN"] = "is not set"
	}
	if k.CAPEM == "" && k.CAPEMFile == "" {
		missing["KUBE_CA_PEM"] = "is not set, nor KUBE_CA_PEM_FILE"
	}
	if len(missing) > 0 {
		return nil, ci.Missing(missing)
	}
	if err := env.CheckSet("KUBE_URL", "KUBE_CA_PEM", "KUBE_CA_PEM_FILE"); err != nil {
		return nil, err
	}
	cfg := &rest.Config{Host: k.URL, BearerToken: k.Token.Reveal()}
	if k.CAPEM != "" {
		cfg.CAData = []byte(k.CAPEM)
	} else {
		b, err := ci.ReadFile(k.CAPEMFile)
		if err != nil {
			return nil, exitcode.UsageError(fmt.Errorf("KUBE_CA_PEM_FILE: %w", err))
		}
		cfg.CAData = b
	}
	return &Target{Config: cfg, Source: "KUBE_URL=" + k.URL}, nil
}
