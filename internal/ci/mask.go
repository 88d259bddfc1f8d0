package ci

import (
	"bytes"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// minSecretLen is the shortest value the masker replaces: shorter values would mangle
// ordinary text (GitLab itself only masks values of 8 characters or more).
const minSecretLen = 3

// flushLimit bounds how much text without a newline the writer holds back.
const flushLimit = 1 << 20

// urlCredentials matches the password part of credentials in a URL: scheme://user:password@.
var urlCredentials = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^/@\s:]*):([^/@\s]+)@`)

// Masker replaces known secret values, and passwords in URLs, with [MASKED].
// It is safe for concurrent use. The zero value masks URL credentials only.
type Masker struct {
	mu      sync.RWMutex
	secrets []string // longest first, so a secret containing another is masked whole
}

// NewMasker returns a Masker for the given secrets.
func NewMasker(secrets ...Secret) *Masker {
	m := &Masker{}
	m.Add(secrets...)
	return m
}

// Add registers more secrets.
func (m *Masker) Add(secrets ...Secret) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range secrets {
		v := s.Reveal()
		if len(v) < minSecretLen || slices.Contains(m.secrets, v) {
			continue
		}
		m.secrets = append(m.secrets, v)
	}
	slices.SortFunc(m.secrets, func(a, b string) int { return len(b) - len(a) })
}

// String returns s with every secret masked.
func (m *Masker) String(s string) string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, v := range m.secrets {
		s = strings.ReplaceAll(s, v, Masked)
	}
	return urlCredentials.ReplaceAllString(s, "${1}:"+Masked+"@")
}

// Writer returns a writer that masks what passes through it before writing it to w.
// Text is passed on a line at a time so that a secret split across two writes is still
// masked; call Flush (or Close) to pass on a last line without a newline.
func (m *Masker) Writer(w io.Writer) *MaskingWriter {
	return &MaskingWriter{m: m, w: w}
}

// MaskingWriter is the writer returned by Masker.Writer.
type MaskingWriter struct {
	m   *Masker
	w   io.Writer
	mu  sync.Mutex
	buf []byte
}

// Write masks complete lines and writes them on; an incomplete last line is held back.
func (mw *MaskingWriter) Write(p []byte) (int, error) {
	mw.mu.Lock()
	defer mw.mu.Unlock()
	mw.buf = append(mw.buf, p...)
	cut := bytes.LastIndexByte(mw.buf, '\n') + 1
	if cut == 0 && len(mw.buf) < flushLimit {
		return len(p), nil
	}
	if cut == 0 {
		cut = len(mw.buf)
	}
	if err := mw.emit(cut); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush masks and writes whatever is held back.
func (mw *MaskingWriter) Flush() error {
	mw.mu.Lock()
	defer mw.mu.Unlock()
	return mw.emit(len(mw.buf))
}

// Close flushes the writer. It does not close the underlying writer.
func (mw *MaskingWriter) Close() error { return mw.Flush() }

func (mw *MaskingWriter) emit(n int) error {
	if n == 0 {
		return nil
	}
	out := mw.m.String(string(mw.buf[:n]))
	mw.buf = append(mw.buf[:0], mw.buf[n:]...)
	_, err := io.WriteString(mw.w, out)
	return err
}
