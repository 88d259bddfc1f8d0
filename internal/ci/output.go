package ci

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Section writes GitLab's collapsible section markers around a long part of a job log.
type Section struct {
	w    io.Writer
	name string
	now  func() time.Time
}

var sectionName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// StartSection opens a collapsible section; call End when the part is over.
// Outside GitLab the markers are harmless escape sequences.
func StartSection(w io.Writer, name, title string, collapsed bool) *Section {
	s := &Section{w: w, name: sectionName.ReplaceAllString(name, "_"), now: time.Now}
	opt := ""
	if collapsed {
		opt = "[collapsed=true]"
	}
	fmt.Fprintf(w, "\x1b[0Ksection_start:%d:%s%s\r\x1b[0K%s\n", s.now().Unix(), s.name, opt, title)
	return s
}

// End closes the section.
func (s *Section) End() {
	fmt.Fprintf(s.w, "\x1b[0Ksection_end:%d:%s\r\x1b[0K\n", s.now().Unix(), s.name)
}

var dotenvKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// WriteDotenv writes KEY=value lines for GitLab's artifacts:reports:dotenv, atomically.
// Keys must be variable names and values single lines.
func WriteDotenv(path string, kv [][2]string) error {
	var b strings.Builder
	for _, e := range kv {
		if !dotenvKey.MatchString(e[0]) {
			return fmt.Errorf("dotenv %s: %q is not a variable name", path, e[0])
		}
		if strings.ContainsAny(e[1], "\r\n") {
			return fmt.Errorf("dotenv %s: the value of %s spans lines; GitLab's dotenv reports take one line", path, e[0])
		}
		fmt.Fprintf(&b, "%s=%s\n", e[0], e[1])
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".glcd-dotenv-*")
	if err != nil {
		return fmt.Errorf("dotenv: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(b.String()); err != nil {
		tmp.Close()
		return fmt.Errorf("dotenv: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("dotenv: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("dotenv: %w", err)
	}
	return nil
}
