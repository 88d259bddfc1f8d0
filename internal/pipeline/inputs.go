package pipeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// documents splits a pipeline file into its spec: header (nil when it has none) and its
// content: a file that declares inputs (a component's template, a local include) is a
// document holding only spec:, then ---, then the jobs.
func documents(b []byte) (header map[string]any, content *yaml.Node, err error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		if err := dec.Decode(&n); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, nil, err
		}
		docs = append(docs, &n)
	}
	if len(docs) == 0 {
		return nil, &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}, nil
	}
	var first map[string]any
	_ = docs[0].Decode(&first) // a first document that is not a map is no header
	if _, ok := first["spec"]; ok && len(first) == 1 {
		if len(docs) != 2 {
			return nil, nil, fmt.Errorf("a spec: header is followed by --- and the content, one document")
		}
		spec, _ := first["spec"].(map[string]any)
		inputs, ok := spec["inputs"].(map[string]any)
		if !ok && spec["inputs"] != nil {
			return nil, nil, fmt.Errorf("spec: inputs: is a map of the inputs")
		}
		if inputs == nil {
			inputs = map[string]any{}
		}
		return inputs, docs[1], nil
	}
	if len(docs) > 1 {
		return nil, nil, fmt.Errorf("%d YAML documents: a pipeline file is one (or a spec: header, ---, and one)", len(docs))
	}
	return nil, docs[0], nil
}

// inputValues checks the inputs given against the header's declarations (type, options,
// regex; an input without a default is required) and returns every input's value. Every
// problem is reported at once.
func inputValues(declared, given map[string]any) (map[string]any, error) {
	var problems []error
	names := slices.Sorted(maps.Keys(declared))
	for _, k := range slices.Sorted(maps.Keys(given)) {
		if _, ok := declared[k]; !ok {
			problems = append(problems, fmt.Errorf("input %s is not declared in spec: inputs: (it declares %s)", k, orNone(names)))
		}
	}
	values := map[string]any{}
	for _, k := range names {
		d, _ := declared[k].(map[string]any)
		v, ok := given[k]
		if !ok {
			if v, ok = d["default"]; !ok {
				problems = append(problems, fmt.Errorf("input %s is required (it has no default): give it in the include's inputs", k))
				continue
			}
		}
		if err := checkInput(k, d, v); err != nil {
			problems = append(problems, err)
			continue
		}
		values[k] = v
	}
	return values, errors.Join(problems...)
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// checkInput checks the value v of input k against its declaration d.
func checkInput(k string, d map[string]any, v any) error {
	typ, _ := d["type"].(string)
	typ = strings.ToLower(typ)
	ok := false
	switch typ {
	case "", "string":
		_, ok = v.(string)
		typ = "string"
	case "number":
		switch v.(type) {
		case int, int64, uint64, float64:
			ok = true
		}
	case "boolean":
		_, ok = v.(bool)
	case "array":
		_, ok = v.([]any)
	default:
		return fmt.Errorf("input %s: type %s is not one of string, number, boolean, array", k, typ)
	}
	if !ok {
		return fmt.Errorf("input %s: %v is not a %s", k, v, typ)
	}
	if opts, ok := d["options"].([]any); ok && !slices.ContainsFunc(opts, func(o any) bool { return fmt.Sprint(o) == fmt.Sprint(v) }) {
		return fmt.Errorf("input %s: %v is not one of its options %v", k, v, opts)
	}
	if re, ok := d["regex"].(string); ok {
		r, err := regexp.Compile(re)
		if err != nil {
			return fmt.Errorf("input %s: regex %s: %w", k, re, err)
		}
		if s, _ := v.(string); !r.MatchString(s) {
			return fmt.Errorf("input %s: %q does not match its regex %s", k, s, re)
		}
	}
	return nil
}

// block is one $[[ ... ]] of a file with inputs.
var block = regexp.MustCompile(`\$\[\[\s*(.*?)\s*\]\]`)

// interpolate replaces each $[[ inputs.NAME | function ... ]] in the keys and values of n as
// GitLab does: a value that is one whole block takes the input's type (an array stays an
// array), anywhere else its text. The functions are expand_vars (vars), truncate(OFFSET,
// LENGTH) and posix_escape.
func interpolate(n *yaml.Node, values map[string]any, vars map[string]string) error {
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "$[[") {
		if m := block.FindStringSubmatch(n.Value); m != nil && m[0] == strings.TrimSpace(n.Value) {
			v, err := evaluate(m[1], values, vars)
			if err != nil {
				return fmt.Errorf("line %d: %w", n.Line, err)
			}
			if _, isString := v.(string); !isString {
				var typed yaml.Node
				if err := typed.Encode(v); err != nil {
					return err
				}
				typed.Line = n.Line
				*n = typed
				return nil
			}
		}
		var failed error
		n.Value = block.ReplaceAllStringFunc(n.Value, func(b string) string {
			v, err := evaluate(block.FindStringSubmatch(b)[1], values, vars)
			if err != nil && failed == nil {
				failed = fmt.Errorf("line %d: %w", n.Line, err)
			}
			return text(v)
		})
		if failed != nil {
			return failed
		}
		n.Tag, n.Style = "!!str", n.Style&^(yaml.TaggedStyle)
		return nil
	}
	for _, c := range n.Content {
		if err := interpolate(c, values, vars); err != nil {
			return err
		}
	}
	return nil
}

// text is an input's value in a string: arrays as JSON.
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any, map[string]any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}

var truncateCall = regexp.MustCompile(`^truncate\(\s*(\d+)\s*,\s*(\d+)\s*\)$`)

// evaluate returns the value of one block's expression: inputs.NAME, then functions.
func evaluate(expr string, values map[string]any, vars map[string]string) (any, error) {
	parts := strings.Split(expr, "|")
	key := strings.TrimSpace(parts[0])
	name, ok := strings.CutPrefix(key, "inputs.")
	if !ok {
		return nil, fmt.Errorf("$[[ %s ]]: only inputs.NAME can be interpolated", expr)
	}
	v, ok := values[name]
	if !ok {
		return nil, fmt.Errorf("$[[ %s ]]: no input %s in spec: inputs: (it declares %s)", expr, name, orNone(slices.Sorted(maps.Keys(values))))
	}
	if len(parts) > 4 {
		return nil, fmt.Errorf("$[[ %s ]]: at most 3 functions", expr)
	}
	for _, f := range parts[1:] {
		f = strings.TrimSpace(f)
		s := text(v)
		switch m := truncateCall.FindStringSubmatch(f); {
		case f == "expand_vars":
			v = Expand(s, vars)
		case f == "posix_escape":
			v = posixEscape(s)
		case m != nil:
			off, _ := strconv.Atoi(m[1])
			n, _ := strconv.Atoi(m[2])
			r := []rune(s)
			off = min(off, len(r))
			v = string(r[off:min(off+n, len(r))])
		default:
			return nil, fmt.Errorf("$[[ %s ]]: unknown function %s (expand_vars, truncate(OFFSET,LENGTH), posix_escape)", expr, f)
		}
	}
	return v, nil
}

// posixEscape quotes s for a POSIX shell as GitLab's posix_escape does (Ruby's
// Shellwords.escape): a backslash before every character but A-Z a-z 0-9 _ - . , : + / @,
// a newline as '\n', the empty string as ”.
func posixEscape(s string) string {
	if s == "" {
		return "''"
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString("'\n'")
		case r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-.,:+/@", r)):
			b.WriteRune(r)
		default:
			b.WriteByte('\\')
			b.WriteRune(r)
		}
	}
	return b.String()
}
