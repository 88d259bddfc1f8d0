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
	s = urlCredentials.ReplaceAllString(s, "${1}:"+Masked+"@")
	s = urlUser.ReplaceAllString(s, "${1}"+Masked+"@")
	return scpUser.ReplaceAllString(s, "${1}"+Masked+"@${3}${4}")
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

// StreamWriter returns a writer for live output (a CI job's log): unlike Writer it does not
// wait for the end of a line, it holds back only the bytes that may still turn out to be part
// of a secret or of a URL's credentials. Call Flush at the end.
func (m *Masker) StreamWriter(w io.Writer) *StreamWriter {
	return &StreamWriter{m: m, w: w}
}

// StreamWriter is the writer returned by Masker.StreamWriter.
type StreamWriter struct {
	m   *Masker
	w   io.Writer
	mu  sync.Mutex
	buf []byte
}

// Write masks and writes on everything that can no longer be part of a secret.
func (sw *StreamWriter) Write(p []byte) (int, error) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	sw.buf = append(sw.buf, p...)
	n := sw.m.safePrefix(sw.buf)
	if len(sw.buf)-n > flushLimit {
		n = len(sw.buf)
	}
	if n == 0 {
		return len(p), nil
	}
	out := sw.m.String(string(sw.buf[:n]))
	sw.buf = append(sw.buf[:0], sw.buf[n:]...)
	if _, err := io.WriteString(sw.w, out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush masks and writes whatever is held back.
func (sw *StreamWriter) Flush() error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	out := sw.m.String(string(sw.buf))
	sw.buf = sw.buf[:0]
	_, err := io.WriteString(sw.w, out)
	return err
}

// safePrefix returns how many leading bytes of b can be masked and written now: everything
// up to the last newline, and after it everything before the first position where a secret
// or a URL may begin that b does not yet hold whole.
func (m *Masker) safePrefix(b []byte) int {
	line := bytes.LastIndexByte(b, '\n') + 1
	tail := b[line:]
	cut := len(tail)
	// a URL on the unfinished line may still get its user:password@: hold it from its scheme on
	if i := bytes.Index(tail, []byte("://")); i >= 0 {
		start := i
		for start > 0 && isSchemeByte(tail[start-1]) {
			start--
		}
		cut = start
	} else {
		// the scheme of a URL may be arriving: hold a trailing word such as "https:/"
		end := len(tail)
		for end > 0 && (tail[end-1] == ':' || tail[end-1] == '/') && len(tail)-end < 2 {
			end--
		}
		start := end
		for start > 0 && isSchemeByte(tail[start-1]) {
			start--
		}
		if start < end || end < len(tail) {
			cut = start
		}
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	for changed := true; changed; {
		changed = false
		for _, s := range m.secrets {
			// a secret that starts before cut and does not end before it (or not yet known to)
			from := max(0, cut-len(s)+1)
			for i := from; i < cut; i++ {
				rest := tail[i:]
				if len(rest) >= len(s) {
					if string(rest[:len(s)]) == s && i+len(s) > cut {
						cut, changed = i, true
						break
					}
					continue
				}
				if strings.HasPrefix(s, string(rest)) {
					cut, changed = i, true
					break
				}
			}
		}
	}
	return line + cut
}

func isSchemeByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '.' || c == '-'
}
