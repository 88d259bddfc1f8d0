package version

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/exitcode"
)

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDetectFindsTheVersion(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		opts  Options
		want  Found
	}{
		{"makefile =", map[string]string{"Makefile": "DEPLOY_VERSION = 1.4.0\n"}, Options{},
			Found{"1.4.0", Makefile, "Makefile", 1}},
		{"makefile := without spaces, after rules and recipes", map[string]string{"Makefile": "" +
			"# DEPLOY_VERSION = 0.0.1 is a comment\n" +
			"build:\n" +
			"\tDEPLOY_VERSION=9.9.9 ./build.sh\n" +
			"DEPLOY_VERSION:=2.0.1\n"}, Options{},
			Found{"2.0.1", Makefile, "Makefile", 4}},
		{"makefile ?= with trailing comment and tabs", map[string]string{"Makefile": "IMAGE ?= app\nDEPLOY_VERSION\t?=\t3.1.4   # bump me\n"}, Options{},
			Found{"3.1.4", Makefile, "Makefile", 2}},
		{"makefile export and ::=", map[string]string{"Makefile": "export DEPLOY_VERSION ::= 1.0.0-rc.1\n"}, Options{},
			Found{"1.0.0-rc.1", Makefile, "Makefile", 1}},
		{"makefile first definition wins", map[string]string{"Makefile": "DEPLOY_VERSION = 1.1.0\nDEPLOY_VERSION = 1.2.0\n"}, Options{},
			Found{"1.1.0", Makefile, "Makefile", 1}},
		{"makefile quoted value, CRLF", map[string]string{"Makefile": "X = 1\r\nDEPLOY_VERSION = \"4.0.0\"\r\n"}, Options{},
			Found{"4.0.0", Makefile, "Makefile", 2}},
		{"makefile ignores a longer name and define blocks", map[string]string{"Makefile": "" +
			"DEPLOY_VERSION_OLD = 0.1\n" +
			"define DEPLOY_VERSION\n0.2\nendef\n" +
			"DEPLOY_VERSION = 0.3\n"}, Options{},
			Found{"0.3", Makefile, "Makefile", 5}},
		{"makefile custom variable", map[string]string{"Makefile": "DEPLOY_VERSION = 1\nVERSION := 7.7.7\n"}, Options{MakefileVar: "VERSION"},
			Found{"7.7.7", Makefile, "Makefile", 2}},
		{"cabal", map[string]string{"app.cabal": "cabal-version: 2.4\nname: app\nversion: 0.3.1.0\n"}, Options{},
			Found{"0.3.1.0", Cabal, "app.cabal", 3}},
		{"cabal field names are case-insensitive, value on the next line", map[string]string{"app.cabal": "Name: app\nVersion:\n  1.2.3\n"}, Options{},
			Found{"1.2.3", Cabal, "app.cabal", 3}},
		{"cabal ignores indented version inside a section", map[string]string{"app.cabal": "name: app\nflag dev\n  version: 9\nversion: 1.0\n"}, Options{},
			Found{"1.0", Cabal, "app.cabal", 4}},
		{"package.yaml keeps the text of a number", map[string]string{"package.yaml": "name: app\nversion: 1.10\n"}, Options{},
			Found{"1.10", PackageYAML, "package.yaml", 2}},
		{"package.yaml quoted", map[string]string{"package.yaml": "name: app\ndependencies:\n  - base\nversion: '0.5.0'\n"}, Options{},
			Found{"0.5.0", PackageYAML, "package.yaml", 4}},
		{"VERSION file, first non-empty line", map[string]string{"VERSION": "\n  2.5.0  \nignored\n"}, Options{},
			Found{"2.5.0", File, "VERSION", 2}},
		{"makefile before cabal before package.yaml before VERSION", map[string]string{
			"Makefile": "DEPLOY_VERSION = 1\n", "app.cabal": "version: 2\n", "package.yaml": "version: 3\n", "VERSION": "4\n"}, Options{},
			Found{"1", Makefile, "Makefile", 1}},
		{"a Makefile without the variable falls through", map[string]string{
			"Makefile": "all:\n\techo hi\n", "app.cabal": "version: 2\n", "VERSION": "4\n"}, Options{},
			Found{"2", Cabal, "app.cabal", 1}},
		{"From changes the order", map[string]string{"Makefile": "DEPLOY_VERSION = 1\n", "VERSION": "4\n"}, Options{From: []Kind{File, Makefile}},
			Found{"4", File, "VERSION", 1}},
		{"regex with one group, multi-line", map[string]string{"chart/Chart.yaml": "apiVersion: v2\nname: app\nappVersion: \"6.1.0\"\n"},
			Options{Regex: &Custom{File: "chart/Chart.yaml", Pattern: `^appVersion:\s*"?([^"\s]+)"?$`}},
			Found{"6.1.0", Regex, "chart/Chart.yaml", 3}},
		{"regex only when asked first", map[string]string{"VERSION": "1\n", "version.txt": "v=8\n"},
			Options{From: []Kind{Regex}, Regex: &Custom{File: "version.txt", Pattern: `v=(\S+)`}},
			Found{"8", Regex, "version.txt", 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, tc.files)
			got, err := Detect(dir, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestDetectRejectsBrokenDeclarations(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		opts  Options
		want  string
	}{
		{"makefile variable reference", map[string]string{"Makefile": "BASE = 1\nDEPLOY_VERSION = $(BASE).2\n", "VERSION": "9\n"}, Options{},
			"Makefile:2: DEPLOY_VERSION = $(BASE).2 refers to other variables or functions"},
		{"makefile shell assignment", map[string]string{"Makefile": "DEPLOY_VERSION != git describe\n"}, Options{},
			"Makefile:1: DEPLOY_VERSION is set from a shell command"},
		{"makefile continuation", map[string]string{"Makefile": "DEPLOY_VERSION = 1 \\\n  2\n"}, Options{},
			"continues on the next line"},
		{"makefile empty", map[string]string{"Makefile": "DEPLOY_VERSION =\n"}, Options{},
			"Makefile:1: the version is empty"},
		{"makefile with spaces", map[string]string{"Makefile": "DEPLOY_VERSION = 1 2\n"}, Options{},
			`version "1 2" is not a plain version`},
		{"several cabal files", map[string]string{"a.cabal": "version: 1\n", "b.cabal": "version: 2\n"}, Options{},
			"several .cabal files (a.cabal, b.cabal)"},
		{"package.yaml not yaml", map[string]string{"package.yaml": "version: [1\n"}, Options{},
			"package.yaml: yaml:"},
		{"regex without a group", map[string]string{"v": "1\n"}, Options{From: []Kind{Regex}, Regex: &Custom{File: "v", Pattern: `\d+`}},
			"has 0 capture groups; it needs exactly one"},
		{"regex with two groups", map[string]string{"v": "1\n"}, Options{Regex: &Custom{File: "v", Pattern: `(\d)(\d)`}},
			"has 2 capture groups"},
		{"regex that does not compile", nil, Options{Regex: &Custom{File: "v", Pattern: `(`}},
			"version pattern \"(\""},
		{"regex kind without a custom source", nil, Options{From: []Kind{Regex}},
			"version source regex needs a file and a pattern"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, tc.files)
			got, err := Detect(dir, tc.opts)
			if err == nil {
				t.Fatalf("got %+v, want an error", got)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q lacks %q", err, tc.want)
			}
			if exitcode.Of(err) != exitcode.Usage {
				t.Fatalf("exit code %d, want 2", exitcode.Of(err))
			}
		})
	}
}

func TestDetectListsWhereItLooked(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"Makefile": "all:\n\ttrue\n", "VERSION": "\n\n", "package.yaml": "name: app\n"})
	_, err := Detect(dir, Options{Regex: &Custom{File: "Chart.yaml", Pattern: `appVersion: (\S+)`}})
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("want *NotFoundError, got %T %v", err, err)
	}
	if exitcode.Of(err) != exitcode.Usage {
		t.Fatalf("exit code %d, want 2", exitcode.Of(err))
	}
	want := []string{
		"Makefile: no definition of DEPLOY_VERSION",
		"*.cabal: no such file (version: <version>)",
		"package.yaml: no top-level version:",
		"VERSION: the file is empty",
		"Chart.yaml: no such file (pattern appVersion: (\\S+))",
	}
	if strings.Join(nf.Looked, "\n") != strings.Join(want, "\n") {
		t.Fatalf("looked:\n%s\nwant:\n%s", strings.Join(nf.Looked, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(err.Error(), "no version found in "+dir) {
		t.Fatalf("message %q", err)
	}
}

func TestParseKinds(t *testing.T) {
	got, err := ParseKinds(" file, Makefile ,regex")
	if err != nil || len(got) != 3 || got[0] != File || got[1] != Makefile || got[2] != Regex {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := ParseKinds("makefile,gradle"); err == nil || exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), `"gradle"`) {
		t.Fatalf("err %v", err)
	}
}
