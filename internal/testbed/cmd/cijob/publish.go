package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gitlab.com/glcd/glcd/internal/testbed"
	"gitlab.com/glcd/glcd/internal/testbed/runner"
)

// publish runs the tag pipeline's publish job through glcd executor: in image (the glcd image),
// the demo app's Dockerfile built by glcd image build and pushed to the test bed's registry at
// the node's address, as the job's CI_REGISTRY; the last line printed is IMAGE=<ref@digest>.
func publish(glcd, name, image string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	// the glcd image runs as uid 1000 and writes publish.env into the helper's checkout
	e, done, err := setup(ctx, glcd, name)
	if err != nil {
		return err
	}
	defer done()
	// the runtime base, pushed once per GHC version in a real project
	if err := e.c.PushBusyboxImage(ctx, testbed.RegistryAuth+"/demo/runtime:1"); err != nil {
		return err
	}
	reg := e.c.PodRegistry(true)
	dir := "/builds/glcdtest/0/demo/jobboard"
	job := runner.Job{ID: "9401", ProjectID: "42", Concurrent: "0", Token: jobToken, Image: image,
		Vars: []runner.Variable{
			{Key: "CI_REGISTRY", Value: reg, Public: true},
			{Key: "CI_REGISTRY_IMAGE", Value: reg + "/demo/jobboard", Public: true},
			{Key: "CI_REGISTRY_USER", Value: testbed.RegistryUser, Public: true},
			{Key: "CI_REGISTRY_PASSWORD", Value: testbed.RegistryPassword, Masked: true},
			{Key: "CI_COMMIT_TAG", Value: "v1.4.0", Public: true},
			{Key: "CI_COMMIT_TIMESTAMP", Value: "2026-12-01T10:00:00+00:00", Public: true},
		},
		Stages: []runner.Stage{
			{Name: "prepare_script", Lines: []string{`echo "Running on $(hostname) via glcd executor..."`}},
			e.getSources(dir, "demo/jobboard.git"),
			{Name: "build_script", Lines: []string{
				`cd "` + dir + `"`,
				`echo "job as uid $(id -u), image $CI_JOB_IMAGE"`,
				`glcd image build --target app --build-arg JOB=` + image + ` --base "$CI_REGISTRY/demo/runtime:1" --tag "$CI_REGISTRY_IMAGE/jobboard:${CI_COMMIT_TAG#v}" --dotenv publish.env .`,
				`cat publish.env`,
			}},
			{Name: "cleanup_file_variables", Lines: []string{`@rm -rf "` + dir + `.tmp"`}},
		}}
	fmt.Printf("runner: the publish job, image %s, through %s executor (namespace %s, PodSecurity baseline)\n", image, glcd, e.ns)
	start := time.Now()
	res, err := e.rn.Run(ctx, job)
	if err != nil {
		return err
	}
	out := res.Output()
	fmt.Print(indent(out))
	if res.FailedStage != "" {
		return fmt.Errorf("the publish job failed in %s", res.FailedStage)
	}
	if strings.Contains(out, testbed.RegistryPassword) {
		return fmt.Errorf("the registry password is in the job's log")
	}
	fmt.Printf("publish job: %s\n", ms(time.Since(start)))
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "IMAGE="); ok {
			fmt.Printf("IMAGE=%s\n", v)
			return nil
		}
	}
	return fmt.Errorf("the job wrote no IMAGE= line")
}
