package manifest

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// text maps yaml.v3 positions (1-based line, 1-based column counted in characters) to byte
// offsets in the original stream. Lines break where libyaml breaks them: CRLF, CR, LF, and
// the Unicode breaks NEL, LS and PS. A leading UTF-8 byte order mark is not counted.
type text struct {
	src   []byte
	lines []int // byte offset at which each line starts
}

func newText(src []byte) *text {
	start := 0
	if bytes.HasPrefix(src, utf8BOM) {
		start = len(utf8BOM)
	}
	lines := make([]int, 1, 1+len(src)/32)
	lines[0] = start
	for i := start; i < len(src); {
		if n := breakLen(src, i); n > 0 {
			i += n
			lines = append(lines, i)
			continue
		}
		i++
	}
	return &text{src: src, lines: lines}
}

// breakLen is the length of the line break starting at src[i], or 0.
func breakLen(src []byte, i int) int {
	switch src[i] {
	case '\n':
		return 1
	case '\r':
		if i+1 < len(src) && src[i+1] == '\n' {
			return 2
		}
		return 1
	case 0xC2: // NEL U+0085
		if i+1 < len(src) && src[i+1] == 0x85 {
			return 2
		}
	case 0xE2: // LS U+2028, PS U+2029
		if i+2 < len(src) && src[i+1] == 0x80 && (src[i+2] == 0xA8 || src[i+2] == 0xA9) {
			return 3
		}
	}
	return 0
}

// offset is the byte offset of a 1-based line and character column, or -1 if there is none.
func (t *text) offset(line, col int) int {
	if line < 1 || line > len(t.lines) || col < 1 {
		return -1
	}
	off := t.lines[line-1]
	for ; col > 1; col-- {
		if off >= len(t.src) || breakLen(t.src, off) > 0 {
			return -1
		}
		_, w := utf8.DecodeRune(t.src[off:])
		off += w
	}
	return off
}

// lineOf is the 1-based line holding byte offset off.
func (t *text) lineOf(off int) int {
	return sort.Search(len(t.lines), func(i int) bool { return t.lines[i] > off })
}

// commentLine is the line nearest to near that holds only the comment c, or near.
func (t *text) commentLine(c string, near int) int {
	c = strings.TrimSpace(c)
	best, found := near, false
	for i, start := range t.lines {
		if strings.TrimSpace(string(t.src[start:t.lineEnd(start)])) == c && (!found || abs(i+1-near) < abs(best-near)) {
			best, found = i+1, true
		}
	}
	return best
}

func abs(x int) int { return max(x, -x) }

// lineEnd is the offset of the line break ending the line that holds off, or len(src).
func (t *text) lineEnd(off int) int {
	for i := off; i < len(t.src); i++ {
		if breakLen(t.src, i) > 0 {
			return i
		}
	}
	return len(t.src)
}

// lineBreak is the line break at off, or the stream's first line break, or "\n".
func (t *text) lineBreak(off int) string {
	if off < len(t.src) {
		if n := breakLen(t.src, off); n > 0 {
			return string(t.src[off : off+n])
		}
	}
	if len(t.lines) > 1 {
		end := t.lines[1]
		for i := t.lines[0]; i < end; i++ {
			if n := breakLen(t.src, i); n > 0 {
				return string(t.src[i : i+n])
			}
		}
	}
	return "\n"
}

// span is where a scalar's value sits in the stream.
type span struct {
	start, end int // the value's bytes, quotes excluded
	tokenEnd   int // just past the closing quote, or end for plain scalars
	quote      byte
}

// scalarError says why a scalar cannot be edited in place.
type scalarError struct{ reason string }

func (e *scalarError) Error() string { return e.reason }

// scalar finds the bytes of scalar node n and checks that they spell its value exactly, so
// splicing inside them edits the value and nothing else.
func (t *text) scalar(n *yaml.Node) (span, error) {
	fail := func(format string, args ...any) (span, error) {
		return span{}, &scalarError{fmt.Sprintf(format, args...)}
	}
	switch n.Style &^ yaml.TaggedStyle {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		return fail("it is a block scalar (| or >); write it on one line")
	}
	off := t.offset(n.Line, n.Column)
	if off < 0 {
		return fail("yaml position %d:%d is outside the text", n.Line, n.Column)
	}
	// A scalar's own text never starts with & or !, so these begin its properties (a bare
	// "!" tag leaves no trace in the node).
	off = t.skipProperties(off)
	v := n.Value
	src := t.src
	switch n.Style &^ yaml.TaggedStyle {
	case 0:
		if !bytes.HasPrefix(src[off:], []byte(v)) {
			return fail("it spans several lines; write it on one line")
		}
		return span{start: off, end: off + len(v), tokenEnd: off + len(v)}, nil
	case yaml.SingleQuotedStyle, yaml.DoubleQuotedStyle:
		q := byte('\'')
		if n.Style&yaml.DoubleQuotedStyle != 0 {
			q = '"'
		}
		end := off + 1 + len(v)
		if bytes.ContainsAny([]byte(v), "\\\"'\r\n") || end >= len(src) ||
			src[off] != q || !bytes.Equal(src[off+1:end], []byte(v)) || src[end] != q {
			return fail("its quoted text is not its value as written (escapes or line breaks); write it on one line without escapes")
		}
		return span{start: off + 1, end: end, tokenEnd: end + 1, quote: q}, nil
	}
	return fail("unsupported scalar style %v", n.Style)
}

// skipProperties steps over a node's anchor and tag (&a !!str) and the space, comments and
// line breaks after them, to where the scalar's own text starts.
func (t *text) skipProperties(off int) int {
	src := t.src
	for off < len(src) && (src[off] == '&' || src[off] == '!') {
		if src[off] == '!' && off+1 < len(src) && src[off+1] == '<' {
			j := bytes.IndexByte(src[off:], '>')
			if j < 0 {
				return len(src)
			}
			off += j + 1
		} else if src[off] == '&' {
			// libyaml's anchor names are letters, digits, _ and -.
			for off++; off < len(src) && isAnchorChar(src[off]); off++ {
			}
		} else {
			// A tag runs to the blank or line break that must follow it.
			for off < len(src) && !isBlank(src[off]) && breakLen(src, off) == 0 {
				off++
			}
		}
		off = t.skipSeparation(off)
	}
	return off
}

// skipSeparation steps over spaces, tabs, comments and line breaks.
func (t *text) skipSeparation(off int) int {
	for off < len(t.src) {
		switch {
		case isBlank(t.src[off]):
			off++
		case t.src[off] == '#':
			off = t.lineEnd(off)
		case breakLen(t.src, off) > 0:
			off += breakLen(t.src, off)
		default:
			return off
		}
	}
	return off
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

func isAnchorChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-'
}
