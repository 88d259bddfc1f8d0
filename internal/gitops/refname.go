package gitops

import (
	"fmt"
	"strings"
)

// CheckRefName applies git's rules for ref names (git check-ref-format) to a branch or tag name.
func CheckRefName(what, name string) error {
	bad := func(why string) error { return fmt.Errorf("%s name %q is not valid in git: %s", what, name, why) }
	switch {
	case name == "":
		return bad("it is empty")
	case name == "@":
		return bad("it is @")
	case strings.HasPrefix(name, "-"):
		return bad("it starts with -")
	case strings.HasPrefix(name, "/"), strings.HasSuffix(name, "/"), strings.Contains(name, "//"):
		return bad("it has an empty path component")
	case strings.HasSuffix(name, "."), strings.Contains(name, ".."):
		return bad("it ends with . or has ..")
	case strings.Contains(name, "@{"):
		return bad("it has @{")
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f || strings.ContainsRune(" ~^:?*[\\", c) {
			return bad(fmt.Sprintf("it has %q (no spaces, ~ ^ : ? * [ \\ or control characters)", c))
		}
	}
	for _, part := range strings.Split(name, "/") {
		if strings.HasPrefix(part, ".") || strings.HasSuffix(part, ".lock") {
			return bad("a component starts with . or ends with .lock")
		}
	}
	return nil
}
