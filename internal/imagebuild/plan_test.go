package imagebuild

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func dockerfileBuilder(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../Dockerfile.builder")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The app stage is assembled: the build stage runs here (in builder:<key>), its executable
// goes onto app-base with the stage's config.
func TestPlanOfTheAppStage(t *testing.T) {
	p, err := Prepare(Options{Dockerfile: dockerfileBuilder(t), Name: "Dockerfile.builder", Target: "app"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Snapshot || p.From != "app-base" {
		t.Fatalf("app: snapshot %v from %q, want assembled on app-base", p.Snapshot, p.From)
	}
	if len(p.Run) != 1 || p.Run[0].Name != "build" {
		t.Fatalf("stages run here: %+v, want build", p.Run)
	}
	var runs, copies int
	for _, s := range p.Run[0].Steps {
		if s.Dir != "/src" {
			t.Errorf("build step at line %d runs in %q, want /src (builder-base's WORKDIR)", s.Line, s.Dir)
		}
		if s.Run != nil {
			runs++
			if !strings.Contains(s.Run[2], "--local-bin-path /out") || !slices.Contains(s.Env, "EXE=hello") || !slices.Contains(s.Env, "STACK_ROOT=/opt/stack") {
				t.Errorf("build RUN: %q with %q", s.Run, s.Env)
			}
		} else {
			copies++
			if s.Copy.Dest != "/src" || !s.Copy.DestDir {
				t.Errorf("build COPY: %+v, want . into /src", s.Copy)
			}
		}
	}
	if runs != 1 || copies != 1 {
		t.Errorf("build: %d RUN, %d COPY, want 1 and 1", runs, copies)
	}
	want := []Copy{{Line: p.Copies[0].Line, FromStage: "build", Sources: []string{"/out/app"}, Dest: "/usr/local/bin/app"}}
	if !reflect.DeepEqual(p.Copies, want) {
		t.Errorf("copies %+v, want %+v", p.Copies, want)
	}
	c := p.Config
	if c.User == nil || *c.User != "1000:1000" || !reflect.DeepEqual(c.Env, []string{"HOME=/home/app", "PORT=8080"}) ||
		!reflect.DeepEqual(c.ExposedPorts, []string{"8080/tcp"}) ||
		!reflect.DeepEqual(c.Entrypoint, []string{"/usr/bin/tini", "--"}) || !reflect.DeepEqual(c.Cmd, []string{"/usr/local/bin/app"}) {
		t.Errorf("config %+v", c)
	}
}

// The builder stage runs here (in builder-base): its COPYs read the context and its RUN
// compiles the dependencies; the layer is what they changed.
func TestPlanOfTheBuilderStage(t *testing.T) {
	p, err := Prepare(Options{Dockerfile: dockerfileBuilder(t), Name: "Dockerfile.builder", Target: "builder", Args: map[string]string{"LOCAL_DEPS": "deps"}})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Snapshot || p.From != "builder-base" || len(p.Run) != 1 || len(p.Run[0].Steps) != 3 {
		t.Fatalf("builder: %+v, want a snapshot of its 3 steps on builder-base", p)
	}
	cp := p.Run[0].Steps[1].Copy
	if cp == nil || !reflect.DeepEqual(cp.Sources, []string{"deps"}) || cp.Dest != "/src/deps" {
		t.Errorf("second step %+v, want COPY of --build-arg LOCAL_DEPS=deps into /src/deps", p.Run[0].Steps[1])
	}
}

// Every problem is named at once, with its line.
func TestPlanRefusesWhatItCannotBuild(t *testing.T) {
	src := `FROM debian:12.12 AS a
RUN echo a
FROM debian:12.12 AS b
USER 1000
RUN echo b
ADD x /x
COPY --from=a /a /a
FROM a AS c
HEALTHCHECK CMD true
COPY --from=golang:1.26 /usr/local/go /go
`
	_, err := Prepare(Options{Dockerfile: []byte(src), Name: "Dockerfile", Target: "b"})
	if err == nil {
		t.Fatal("b: no error")
	}
	for _, want := range []string{"Dockerfile:5: RUN after USER", "Dockerfile:6: ADD is not supported", "Dockerfile:7: COPY --from=a in stage b, which runs here"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q\nlacks %q", err, want)
		}
	}
	_, err = Prepare(Options{Dockerfile: []byte(src), Name: "Dockerfile", Target: "c"})
	for _, want := range []string{"Dockerfile:9: HEALTHCHECK is not supported", "Dockerfile:10: COPY --from=golang:1.26: glcd copies only from a stage"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\nlacks %q", err, want)
		}
	}
	if _, err := Prepare(Options{Dockerfile: []byte(src), Name: "Dockerfile", Target: "d"}); err == nil || !strings.Contains(err.Error(), `no stage "d": its stages are a, b, c`) {
		t.Errorf("unknown target: %v", err)
	}
}
