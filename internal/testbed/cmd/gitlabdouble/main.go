// Command gitlabdouble serves the GitLab API double (internal/testbed/gitlabapi) on loopback
// for the demo, since no GitLab server can run here. It knows one project, demo/jobboard-infra
// (id 7), whose trigger token and read token come from the environment (DEMO_TRIGGER_TOKEN,
// DEMO_READ_TOKEN). Every triggered pipeline goes created, pending, running, success. It prints
// the server URL on stdout and, when stdin closes, the variables each pipeline received on stderr.
package main

import (
	"fmt"
	"io"
	"os"
	"slices"

	"gitlab.com/glcd/glcd/internal/testbed/gitlabapi"
)

func main() {
	trigger, read := os.Getenv("DEMO_TRIGGER_TOKEN"), os.Getenv("DEMO_READ_TOKEN")
	if trigger == "" || read == "" {
		fmt.Fprintln(os.Stderr, "gitlabdouble: set DEMO_TRIGGER_TOKEN and DEMO_READ_TOKEN")
		os.Exit(2)
	}
	s := gitlabapi.New()
	defer s.Close()
	s.AddProject(gitlabapi.Project{ID: 7, Path: "demo/jobboard-infra", TriggerTokens: []string{trigger}})
	s.AddToken(gitlabapi.Token{Kind: gitlabapi.PrivateToken, Value: read, Scopes: []string{"read_api"}})
	for range 10 {
		s.Script(gitlabapi.Script{Jobs: []gitlabapi.Job{{Name: "deploy", Stage: "deploy", Status: "success"}}})
	}
	fmt.Println(s.URL)
	_, _ = io.Copy(io.Discard, os.Stdin) // serve until the demo closes our stdin
	for _, p := range s.Pipelines() {
		vars := s.Variables(p.ID)
		keys := make([]string, 0, len(vars))
		for k := range vars {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		fmt.Fprintf(os.Stderr, "GitLab double: pipeline %d of demo/jobboard-infra on %s received:", p.ID, p.Ref)
		for _, k := range keys {
			fmt.Fprintf(os.Stderr, " %s=%s", k, vars[k])
		}
		fmt.Fprintln(os.Stderr)
	}
}
