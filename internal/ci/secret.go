package ci

import (
	"fmt"
	"log/slog"
)

// Masked is what a Secret prints as, and what the masking writer puts in place of a secret.
const Masked = "[MASKED]"

// Secret holds a credential. It prints as [MASKED] through fmt (every verb, also when nested
// in structs printed with %+v or %#v), encoding/json, encoding.TextMarshaler and log/slog.
// Only Reveal returns the value; call it where the value is handed to a library, never to build text.
type Secret struct {
	// A closure keeps the value out of fmt's reflection on unexported fields: fmt prints a
	// func as its address under every verb, where a string or pointer would show the value.
	get func() string
}

// NewSecret wraps s. An empty s gives the zero Secret.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{get: func() string { return s }}
}

// Reveal returns the secret's value.
func (s Secret) Reveal() string {
	if s.get == nil {
		return ""
	}
	return s.get()
}

// IsSet reports whether the secret holds a value.
func (s Secret) IsSet() bool { return s.get != nil }

// String returns [MASKED] for a set secret and "" for an empty one.
func (s Secret) String() string {
	if !s.IsSet() {
		return ""
	}
	return Masked
}

// GoString implements fmt.GoStringer (%#v).
func (s Secret) GoString() string { return fmt.Sprintf("ci.Secret(%q)", s.String()) }

// Format implements fmt.Formatter so that every verb prints the masked form.
func (s Secret) Format(f fmt.State, verb rune) {
	switch verb {
	case 'v':
		if f.Flag('#') {
			fmt.Fprint(f, s.GoString())
			return
		}
		fmt.Fprint(f, s.String())
	case 'q':
		fmt.Fprintf(f, "%q", s.String())
	default:
		fmt.Fprint(f, s.String())
	}
}

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return fmt.Appendf(nil, "%q", s.String()), nil }

// MarshalText implements encoding.TextMarshaler.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }
