package gitlab

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// requestKind says which retry rules a request follows.
type requestKind int

const (
	// read requests (GET) are retried on 429, 502, 503, 504 and on transport errors.
	read requestKind = iota
	// start requests (a POST that starts or creates something) are retried on 429, which
	// GitLab's rate limiter answers before the request is processed, and on errors that
	// prove the request never reached GitLab: connection refused or another failure to
	// dial, a DNS failure other than "no such host". Never on a 5xx, a timeout or a dropped
	// connection once the request was sent: GitLab may have acted, and a second request
	// would start a second pipeline.
	start
)

// Retry describes one retry, for Options.OnRetry.
type Retry struct {
	Method  string
	Path    string        // API path, such as /projects/42/pipelines/1000
	Attempt int           // this retry's number, from 1
	Of      int           // the most retries there will be
	Status  int           // status that caused the retry; 0 for a transport error
	Err     error         // transport error that caused the retry (already masked)
	Wait    time.Duration // wait before the retry
}

func (r Retry) String() string {
	cause := fmt.Sprintf("%d %s", r.Status, http.StatusText(r.Status))
	if r.Err != nil {
		cause = r.Err.Error()
	}
	return fmt.Sprintf("%s %s: %s; retry %d of %d in %s", r.Method, r.Path, cause, r.Attempt, r.Of, r.Wait)
}

// checkRetry returns the CheckRetry of one call. retryablehttp calls it after each attempt;
// it decides by the rules of kind, waits (through the injectable sleep) and counts retries.
func (c *Client) checkRetry(kind requestKind, method, path string) retryablehttp.CheckRetry {
	retries := 0
	return func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		if ctx.Err() != nil {
			return false, nil
		}
		if !retryable(kind, resp, err) || retries >= c.retries {
			return false, nil
		}
		retries++
		wait := retryablehttp.DefaultBackoff(c.minWait, c.maxWait, retries-1, resp)
		r := Retry{Method: method, Path: path, Attempt: retries, Of: c.retries, Wait: wait}
		if resp != nil {
			r.Status = resp.StatusCode
			// Free the connection during the wait; retryablehttp's own drain then reads nothing.
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
		}
		if err != nil {
			r.Err = errors.New(c.masker.String(err.Error()))
		}
		if c.onRetry != nil {
			c.onRetry(r)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return false, err
		}
		return true, nil
	}
}

// retryable applies the rules of kind to one attempt's outcome.
func retryable(kind requestKind, resp *http.Response, err error) bool {
	if err != nil {
		if permanent(err) {
			return false
		}
		if kind == read {
			return true
		}
		return neverSent(err)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		return true
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return kind == read
	}
	return false
}

// neverSent reports whether err proves the request did not reach the server: the
// connection was never made.
func neverSent(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// permanent reports errors that another attempt cannot fix: an unknown host, a certificate
// that does not verify, a URL glcd cannot use.
func permanent(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return true
	}
	var (
		unknownCA *x509.UnknownAuthorityError
		invalid   x509.CertificateInvalidError
		hostname  x509.HostnameError
		verify    *tls.CertificateVerificationError
		header    tls.RecordHeaderError
	)
	if errors.As(err, &unknownCA) || errors.As(err, &invalid) || errors.As(err, &hostname) ||
		errors.As(err, &verify) || errors.As(err, &header) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "unsupported protocol scheme") || strings.Contains(msg, "stopped after 10 redirects")
}
