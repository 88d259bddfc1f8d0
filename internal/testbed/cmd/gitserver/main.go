// Command gitserver serves bare git repositories over HTTPS with token authentication (the test
// bed's git server, internal/testbed/gitserver) for the demo. It creates the demo's app and infra
// repositories, accepts the token in DEMO_GIT_TOKEN, prints three lines on stdout (base URL,
// folder of the bare repositories, CA certificate file) and serves until stdin closes.
package main

import (
	"fmt"
	"io"
	"os"

	"gitlab.com/glcd/glcd/internal/testbed/gitserver"
)

func main() {
	token := os.Getenv("DEMO_GIT_TOKEN")
	if token == "" {
		fmt.Fprintln(os.Stderr, "gitserver: set DEMO_GIT_TOKEN")
		os.Exit(2)
	}
	s, err := gitserver.New(gitserver.Options{TLS: true, Tokens: []gitserver.Token{{Value: token}}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer s.Close()
	for _, repo := range []string{"demo/jobboard.git", "demo/jobboard-infra.git"} {
		if err := s.CreateRepo(repo, "main"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	fmt.Printf("%s\n%s\n%s\n", s.URL, s.Root, s.CAFile)
	_, _ = io.Copy(io.Discard, os.Stdin)
}
