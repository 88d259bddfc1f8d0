// Package exitcode maps errors to glcd's documented process exit codes.
//
//	0 done · 1 the operation failed · 2 bad input or configuration · 3 timed out ·
//	130 cancelled (SIGINT or SIGTERM, as when GitLab cancels the job)
package exitcode

import (
	"context"
	"errors"
)

// The exit codes every glcd command but executor uses.
const (
	OK      = 0
	Failed  = 1
	Usage   = 2
	Timeout = 3
	// Cancelled: a signal stopped the command, which is not the same as running out of
	// --timeout; 130 is what a shell reports for a program stopped by SIGINT.
	Cancelled = 130
)

// Error carries the exit code an error should end the process with.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *Error) Unwrap() error { return e.Err }

// UsageError marks err as bad input or configuration (exit 2).
func UsageError(err error) error { return wrap(Usage, err) }

// FailedError marks err as a failed operation (exit 1).
func FailedError(err error) error { return wrap(Failed, err) }

// TimeoutError marks err as a timeout (exit 3).
func TimeoutError(err error) error { return wrap(Timeout, err) }

// CancelledError marks err as stopped by a signal (exit 130); glcd's message names the signal.
func CancelledError(err error) error { return wrap(Cancelled, err) }

func wrap(code int, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Err: err}
}

// Of returns the exit code for err: 0 for nil, the code of the outermost *Error,
// 3 for a context deadline, otherwise 1.
func Of(err error) int {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Timeout
	}
	if errors.Is(err, context.Canceled) {
		return Cancelled
	}
	return Failed
}
