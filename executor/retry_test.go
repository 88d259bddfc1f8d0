package executor

import (
	"context"
	"errors"
	"io"
	"syscall"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// A restarted API server refuses for a moment what it allowed before its outage (its RBAC
// caches are empty): after an outage "forbidden" is retried; without one it is final, and so
// it is once the server has refused for authSettle.
func TestRetryAfterOutageOutlastsForbidden(t *testing.T) {
	forbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "p", errors.New("RBAC: not allowed"))
	refused := &connErr{syscall.ECONNREFUSED}
	clock := time.Unix(0, 0)
	d := &Driver{Log: io.Discard, Now: func() time.Time { clock = clock.Add(time.Second); return clock }}
	answers := []error{refused, forbidden, forbidden, nil}
	calls := 0
	err := d.retryAPI(context.Background(), time.Hour, "cleanup", func(context.Context) error {
		calls++
		return answers[calls-1]
	})
	if err != nil || calls != 4 {
		t.Errorf("after an outage: %v after %d calls", err, calls)
	}

	calls = 0
	err = d.retryAPI(context.Background(), time.Hour, "cleanup", func(context.Context) error { calls++; return forbidden })
	if !apierrors.IsForbidden(err) || calls != 1 {
		t.Errorf("without an outage: %v after %d calls, want forbidden at once", err, calls)
	}

	calls = 0
	err = d.retryAPI(context.Background(), time.Hour, "cleanup", func(context.Context) error {
		calls++
		if calls == 1 {
			return refused
		}
		return forbidden
	})
	if !apierrors.IsForbidden(err) || calls < 3 || calls > 20 {
		t.Errorf("forbidden for good after an outage: %v after %d calls", err, calls)
	}
}

// connErr is a connection error as client-go returns it.
type connErr struct{ errno syscall.Errno }

func (e *connErr) Error() string { return "dial tcp: " + e.errno.Error() }
func (e *connErr) Unwrap() error { return e.errno }
