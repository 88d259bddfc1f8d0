package images

import (
	"path/filepath"
	"strings"
	"testing"
)

// Every Dockerfile of the repository follows the policy; Dockerfile.kubectl is among them.
func TestRepositoryDockerfiles(t *testing.T) {
	files, err := Dockerfiles("..")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range files {
		found = found || f == filepath.Join("..", KubectlDockerfile)
	}
	if !found {
		t.Fatalf("%s not among the Dockerfiles found: %v", KubectlDockerfile, files)
	}
	problems, err := CheckFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Fatalf("Dockerfile policy:\n%s", strings.Join(problems, "\n"))
	}
}

const good = `ARG BASE=alpine:3.24.1
ARG GO_IMAGE=golang:1.26.8-alpine3.24@sha256:` + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" + `
FROM ${GO_IMAGE} AS build
RUN go build ./...
FROM build AS test
RUN go test ./...
FROM ${BASE}
ENV PATH=/usr/local/bin:/usr/bin:/bin
ENTRYPOINT []
USER glcd
CMD ["/bin/sh"]
`

func TestCheck(t *testing.T) {
	if p := Check("good", []byte(good)); len(p) != 0 {
		t.Fatalf("good Dockerfile rejected:\n%s", strings.Join(p, "\n"))
	}
	for _, tc := range []struct {
		name, src string
		want      []string // substrings, one problem each, in order
	}{
		{"entrypoint", "ARG B=alpine:3.24.1\nFROM ${B}\nUSER 1000\nENTRYPOINT [\"kubectl\"]\n",
			[]string{`entrypoint:4: the final stage has an ENTRYPOINT (ENTRYPOINT ["kubectl"])`}},
		{"shell entrypoint and cmd", "ARG B=alpine:3.24.1\nFROM ${B}\nUSER 1000\nENTRYPOINT kubectl\nCMD sh\n",
			[]string{"the final stage has an ENTRYPOINT", "CMD in shell form"}},
		{"cmd not a shell", "ARG B=alpine:3.24.1\nFROM ${B}\nUSER 1000\nCMD [\"kubectl\", \"version\"]\n",
			[]string{`CMD ["kubectl" "version"] is not a shell`}},
		{"root", "ARG B=alpine:3.24.1\nFROM ${B}\nUSER root:root\n", []string{"no-user:3: USER root:root"}},
		{"uid 0", "ARG B=alpine:3.24.1\nFROM ${B}\nUSER 0\n", []string{"USER 0: the final stage must run as a non-root user"}},
		{"no user", "ARG B=alpine:3.24.1\nFROM ${B} AS a\nUSER 1000\nFROM ${B}\nCMD [\"sh\"]\n",
			[]string{"no user:4: the final stage sets no USER"}},
		{"literal base", "FROM alpine:3.24.1\nUSER 1000\n", []string{"FROM alpine:3.24.1: name the base through an ARG"}},
		{"latest", "ARG B=alpine:latest\nFROM ${B}\nUSER 1\n", []string{`"alpine:latest", is not an exact version`}},
		{"no tag", "ARG B=alpine\nFROM $B\nUSER 1\n", []string{`"alpine", has no tag, which means latest`}},
		{"bare major", "ARG B=alpine:3\nFROM ${B}\nUSER 1\n", []string{`"alpine:3", is not an exact version`}},
		{"bare minor", "ARG B=debian:12.8\nFROM ${B}\nUSER 1\n", []string{`"debian:12.8", is not an exact version`}},
		{"no default", "ARG B\nFROM ${B}\nUSER 1\n", []string{"ARG B needs a default"}},
		{"stage arg", "FROM scratch\nARG B=alpine:3.24.1\nFROM ${B}\nUSER 1\n", []string{"ARG B needs a default before the first FROM"}},
		{"credentials", "ARG B=alpine:3.24.1\nARG CI_JOB_TOKEN\nFROM ${B}\nARG REGISTRY_PASSWORD=x\nENV GIT_URL=https://oauth2:glpat-abc@gitlab.com/x.git\nENV AUTHOR=me\nUSER 1\n",
			[]string{"ARG CI_JOB_TOKEN looks like a credential", "ARG REGISTRY_PASSWORD looks like a credential", "ENV GIT_URL holds a URL with a password"}},
		{"syntax", "FROM\n", []string{"syntax:"}},
		{"app image", "# glcd-policy: app\nARG B=alpine:3.24.1\nFROM ${B}\nENTRYPOINT [\"/app\"]\nCMD [\"--port\", \"8080\"]\nUSER root\n",
			[]string{"USER root: the final stage must run as a non-root user"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := strings.ReplaceAll(tc.name, "root", "no-user")
			got := Check(name, []byte(tc.src))
			if len(got) != len(tc.want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}
