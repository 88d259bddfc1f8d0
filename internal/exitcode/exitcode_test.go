package exitcode

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestOf(t *testing.T) {
	base := errors.New("boom")
	cases := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, OK},
		{"plain", base, Failed},
		{"usage", UsageError(base), Usage},
		{"usage wrapped", fmt.Errorf("loading: %w", UsageError(base)), Usage},
		{"timeout", TimeoutError(base), Timeout},
		{"deadline", fmt.Errorf("waiting: %w", context.DeadlineExceeded), Timeout},
		{"failed", FailedError(base), Failed},
		{"cancelled", CancelledError(base), Cancelled},
		{"canceled context", fmt.Errorf("watching: %w", context.Canceled), Cancelled},
		{"explicit code wins", &Error{Code: 7, Err: context.Canceled}, 7},
	}
	for _, c := range cases {
		if got := Of(c.err); got != c.want {
			t.Errorf("%s: Of = %d, want %d", c.name, got, c.want)
		}
	}
	if UsageError(nil) != nil {
		t.Error("UsageError(nil) must be nil")
	}
	if !errors.Is(UsageError(base), base) {
		t.Error("UsageError must wrap its error")
	}
}
