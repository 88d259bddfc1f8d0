package cli

import (
	"encoding/json"
	"fmt"

	"github.com/urfave/cli/v2"
)

func versionCommand(r *runtime) *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print glcd's version, git commit, Go version and client-go version",
		Action: func(c *cli.Context) error {
			if stringFlag(c, "output") == outputJSON {
				enc := json.NewEncoder(r.out)
				return enc.Encode(r.info)
			}
			_, err := fmt.Fprintf(r.out, "glcd %s\n  commit:    %s\n  go:        %s\n  client-go: %s\n",
				r.info.Version, r.info.Commit, r.info.GoVersion, r.info.ClientGo)
			return err
		},
	}
}
