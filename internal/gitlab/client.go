// Package gitlab is glcd's thin layer over GitLab's official Go client
// (gitlab.com/gitlab-org/api/client-go): trigger a pipeline, follow it, list its failed
// jobs, get and create tags. It owns the retry rules, the authentication choice and the
// masking of tokens in every message; callers get small result types and errors that carry
// glcd's exit codes.
package gitlab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/clock"
	"gitlab.com/glcd/glcd/internal/exitcode"
)

// Defaults of Options.
const (
	DefaultRetries        = 5
	DefaultMinWait        = 500 * time.Millisecond
	DefaultMaxWait        = 30 * time.Second
	DefaultRequestTimeout = time.Minute
)

// Options configure a Client.
type Options struct {
	// APIURL is the v4 API base, such as https://gitlab.example.com/api/v4 (see APIURL).
	APIURL string
	// Token is a personal, project or group access token, sent as PRIVATE-TOKEN on reads
	// and tag calls. JobToken (CI_JOB_TOKEN, sent as JOB-TOKEN) is used when Token is empty.
	// The trigger call sends neither: its token travels in its body.
	Token    ci.Secret
	JobToken ci.Secret
	// HTTPClient sends the requests; nil means a pooled client with RequestTimeout.
	HTTPClient *http.Client
	// RequestTimeout bounds one attempt of a request; zero means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// Retries is how many times a retryable request is retried (0: DefaultRetries; <0: none).
	Retries int
	// MinWait and MaxWait bound the exponential backoff between retries (MinWait doubles per
	// retry up to MaxWait). A Retry-After header on 429 or 503 replaces the backoff.
	MinWait, MaxWait time.Duration
	// Sleep waits between retries; nil waits on a timer. It returns ctx.Err() if ctx ends first.
	Sleep func(ctx context.Context, d time.Duration) error
	// OnRetry, if set, is told about each retry before its wait.
	OnRetry func(Retry)
	// UserAgent names the caller, such as "glcd/1.2.3".
	UserAgent string
}

// Client talks to one GitLab instance.
type Client struct {
	api     *gl.Client
	auth    []gl.RequestOptionFunc // read and tag calls
	authBy  string                 // which credential reads use, for hints
	masker  *ci.Masker
	retries int
	minWait time.Duration
	maxWait time.Duration
	sleep   func(context.Context, time.Duration) error
	onRetry func(Retry)
}

// New returns a Client. It fails (exit 2) when the API URL is not an http(s) URL.
func New(opts Options) (*Client, error) {
	if err := checkAPIURL(opts.APIURL); err != nil {
		return nil, exitcode.UsageError(err)
	}
	c := &Client{
		masker:  ci.NewMasker(opts.Token, opts.JobToken),
		retries: opts.Retries,
		minWait: opts.MinWait,
		maxWait: opts.MaxWait,
		sleep:   opts.Sleep,
		onRetry: opts.OnRetry,
	}
	switch {
	case c.retries == 0:
		c.retries = DefaultRetries
	case c.retries < 0:
		c.retries = 0
	}
	if c.minWait <= 0 {
		c.minWait = DefaultMinWait
	}
	if c.maxWait <= 0 {
		c.maxWait = DefaultMaxWait
	}
	if c.maxWait < c.minWait {
		c.maxWait = c.minWait
	}
	if c.sleep == nil {
		c.sleep = clock.Sleep
	}
	switch {
	case opts.Token.IsSet():
		c.auth, c.authBy = []gl.RequestOptionFunc{gl.WithToken(gl.PrivateToken, opts.Token.Reveal())}, "GLCD_GITLAB_TOKEN"
	case opts.JobToken.IsSet():
		c.auth, c.authBy = []gl.RequestOptionFunc{gl.WithToken(gl.JobToken, opts.JobToken.Reveal())}, "CI_JOB_TOKEN"
	}
	var hc *http.Client
	if opts.HTTPClient != nil {
		copied := *opts.HTTPClient // client-go decorates the transport: keep the caller's as it is
		hc = &copied
	} else {
		hc = cleanhttp.DefaultPooledClient()
		hc.Timeout = opts.RequestTimeout
		if hc.Timeout <= 0 {
			hc.Timeout = DefaultRequestTimeout
		}
	}
	if hc.Transport == nil {
		hc.Transport = cleanhttp.DefaultPooledTransport()
	}
	clientOpts := []gl.ClientOptionFunc{
		gl.WithBaseURL(opts.APIURL),
		gl.WithHTTPClient(hc),
		// client-go's own policy retries a POST on any 5xx and on some errors after the
		// request was written (a timeout is a temporary net.OpError): either can start a
		// pipeline twice. Every call here passes its own CheckRetry (WithRequestRetry); the
		// client-wide one never retries, so a call that forgot would be safe, not repeated.
		gl.WithCustomRetry(func(context.Context, *http.Response, error) (bool, error) { return false, nil }),
		gl.WithCustomRetryMax(c.retries),
		// The wait happens in CheckRetry, through the injectable Sleep; the library's own
		// timer then waits zero.
		gl.WithCustomBackoff(func(time.Duration, time.Duration, int, *http.Response) time.Duration { return 0 }),
		// A request that is not retried, or ran out of retries, returns its last response
		// (so GitLab's message reaches the user) rather than retryablehttp's "giving up".
		gl.WithErrorHandler(retryablehttp.PassthroughErrorHandler),
		gl.WithInterceptor(keepErrorBodies),
	}
	if opts.UserAgent != "" {
		clientOpts = append(clientOpts, gl.WithUserAgent(opts.UserAgent))
	}
	api, err := gl.NewAuthSourceClient(gl.Unauthenticated{}, clientOpts...)
	if err != nil {
		return nil, exitcode.UsageError(fmt.Errorf("GitLab client for %s: %w", opts.APIURL, err))
	}
	c.api = api
	return c, nil
}

// call runs one API call with the retry policy of its kind and turns its error into an
// *Error with an exit code. kind picks the hint, op says what was being done.
func (c *Client) call(ctx context.Context, rk requestKind, kind, op, method, path string, auth bool,
	do func(opts ...gl.RequestOptionFunc) (*gl.Response, error)) error {
	body := &errorBody{}
	ctx = context.WithValue(ctx, errorBodyKey{}, body)
	opts := []gl.RequestOptionFunc{gl.WithContext(ctx), gl.WithRequestRetry(c.checkRetry(rk, method, path))}
	if auth {
		opts = append(opts, c.auth...)
	}
	resp, err := do(opts...)
	if err == nil {
		return nil
	}
	e := &Error{Op: op, Method: method, Path: path, kind: kind, err: err, masker: c.masker}
	if resp != nil && resp.Response != nil {
		e.Status = resp.StatusCode
	}
	var er *gl.ErrorResponse
	if errors.As(err, &er) && e.Status == 0 {
		e.Status = er.StatusCode
	}
	if e.Status != 0 {
		e.Message = gitlabMessage(body.get())
	}
	if e.Status == 0 && ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return exitcode.TimeoutError(e)
		}
		return exitcode.FailedError(e)
	}
	e.Hint = hint(kind, e.Status, e.Message, c.authBy)
	if rk == start && (e.Status >= 500 || (e.Status == 0 && !neverSent(err))) {
		e.Hint = "GitLab may have done it anyway, so glcd did not send it again: look before you retry"
	}
	switch e.Status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		return exitcode.UsageError(e)
	}
	return exitcode.FailedError(e)
}

// errorBody keeps the body of a call's last error answer. client-go reports a 404 as its
// ErrNotFound without the body, where GitLab says what was not found ("404 Tag Not Found").
type errorBody struct {
	mu sync.Mutex
	b  []byte
}

type errorBodyKey struct{}

func (e *errorBody) get() []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.b
}

// MaxAnswerSize caps what glcd reads of one answer of GitLab's API: a larger one (a broken
// proxy, a hostile server) fails the call instead of growing glcd's memory without end.
const MaxAnswerSize = 16 << 20

// cappedBody fails a read once more than MaxAnswerSize bytes have come.
type cappedBody struct {
	io.ReadCloser
	path string
	read int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if b.read += int64(n); b.read > MaxAnswerSize {
		return n, fmt.Errorf("GitLab's answer to %s is larger than %d MiB: glcd reads no more of it", b.path, MaxAnswerSize>>20)
	}
	return n, err
}

// keepErrorBodies is a client-go Interceptor that caps every answer's body (MaxAnswerSize) and
// copies error bodies into the call's errorBody.
func keepErrorBodies(next http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if err == nil {
			resp.Body = &cappedBody{ReadCloser: resp.Body, path: req.URL.Path}
		}
		keep, _ := req.Context().Value(errorBodyKey{}).(*errorBody)
		if err != nil || keep == nil || resp.StatusCode < 400 {
			return resp, err
		}
		b, rerr := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if rerr != nil {
			return nil, rerr
		}
		resp.Body = io.NopCloser(bytes.NewReader(b))
		keep.mu.Lock()
		keep.b = b
		keep.mu.Unlock()
		return resp, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
