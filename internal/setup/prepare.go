package setup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"gitlab.com/glcd/glcd/internal/access"
	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/doctor"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/gitlab"
)

// RobotInput is what the command line gives glcd setup robot.
type RobotInput struct {
	Args       []string // none taken
	Namespace  string
	Name       string
	PullSecret string
	For        []string // --for values: rollout, apply, writeback, executor, all, or comma lists
}

// PrepareRobot checks in, every problem at once, and returns the robot to make.
func PrepareRobot(in RobotInput) (Robot, error) {
	rb := Robot{Namespace: in.Namespace, Name: in.Name, PullSecret: in.PullSecret}
	var errs []error
	if len(in.Args) > 0 {
		errs = append(errs, fmt.Errorf("takes no arguments, got %q", in.Args[0]))
	}
	cmds, err := doctor.ParseFor(in.For)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("--for: %w", err))
	case len(cmds) == 0:
		errs = append(errs, errors.New("--for: name at least one command (rollout, apply, writeback, executor)"))
	}
	rb.For = cmds
	if err := rb.Check(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return rb, exitcode.UsageError(err)
	}
	return rb, nil
}

// VarsInput is what the command line gives glcd setup gitlab-vars.
type VarsInput struct {
	Args        []string // none taken
	Namespace   string
	Name        string
	Format      string // FormatEnv or FormatKubeconfig
	Out         string // the file to write (mode 0600)
	ToGitLab    string // the project whose CI/CD variables are set
	GitLabURL   string
	CAFile      string // the CA to prove, alone
	ShowSecrets bool
}

// VarsPlan is a checked gitlab-vars run.
type VarsPlan struct {
	Values      ValuesOptions // but for Server and, without a CA file, CAs: the cluster connection gives those
	Format      string
	Out         string
	ToGitLab    string
	APIURL      string // GitLab's API, with ToGitLab
	ShowSecrets bool
}

// PrepareVars checks in and the variables it needs, every problem at once.
func PrepareVars(in VarsInput, env *ci.Env) (*VarsPlan, error) {
	p := &VarsPlan{Values: ValuesOptions{Namespace: in.Namespace, Name: in.Name}, Format: in.Format, Out: in.Out,
		ToGitLab: in.ToGitLab, ShowSecrets: in.ShowSecrets}
	var errs []error
	if len(in.Args) > 0 {
		errs = append(errs, fmt.Errorf("takes no arguments, got %q", in.Args[0]))
	}
	if err := (Robot{Namespace: in.Namespace, Name: in.Name, For: []access.Command{access.Rollout}}).Check(); err != nil {
		errs = append(errs, err)
	}
	if in.Format != FormatEnv && in.Format != FormatKubeconfig {
		errs = append(errs, fmt.Errorf("--format %q: want env or kubeconfig", in.Format))
	}
	if in.Out == "" && in.ToGitLab == "" && !in.ShowSecrets {
		errs = append(errs, errors.New("--out FILE: say where to write the values (mode 0600; they are never printed unless --show-secrets), or --to-gitlab PROJECT"))
	}
	if in.Out != "" {
		if st, err := os.Stat(filepath.Dir(in.Out)); err != nil || !st.IsDir() {
			errs = append(errs, fmt.Errorf("--out %s: its directory does not exist", in.Out))
		}
	}
	if in.ToGitLab != "" {
		var err error
		if p.APIURL, err = gitlab.APIURL(in.GitLabURL, env); err != nil {
			errs = append(errs, err)
		}
		if !env.GitLabToken.IsSet() {
			errs = append(errs, errors.New("--to-gitlab: set GLCD_GITLAB_TOKEN to a token with the api scope and the Maintainer role on the project"))
		}
	}
	if in.CAFile != "" {
		b, err := os.ReadFile(in.CAFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("--ca-file: %w", err))
		}
		p.Values.CAs, p.Values.OnlyCAs = []CACandidate{{Source: "--ca-file " + in.CAFile, PEM: b}}, true
	}
	if err := errors.Join(errs...); err != nil {
		return nil, exitcode.UsageError(err)
	}
	return p, nil
}
