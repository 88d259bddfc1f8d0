package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	glcdassets "gitlab.com/glcd/glcd"
	"gitlab.com/glcd/glcd/images"
	"gitlab.com/glcd/glcd/internal/pipeline"
	"gitlab.com/glcd/glcd/internal/testbed"
	"gitlab.com/glcd/glcd/internal/testbed/runner"
)

// tagJobs are the tag pipeline's jobs cijob plays, in the order of their stages and needs; the
// deploy job's glcd trigger is the demo's own step.
var tagJobs = []string{"test", "builder-key", "builder", "publish"}

// dotenvLine is a line of a dotenv report.
var dotenvLine = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

// tagPipeline plays the tag pipeline of the app repository appRepo (a git directory) at tag:
// the jobs test, builder-key, builder and publish of the .gitlab-ci.yml at that tag, each as
// a pod of glcd executor in a namespace enforcing PodSecurity baseline, their images pulled
// from the test bed's registry, which is the job's CI_REGISTRY. GitLab's part is played here:
// the variables (predefined, the file's, the project's settings, then the dotenv reports of
// the jobs before) and the job order. vars are the project's CI/CD variables (NAME=VALUE);
// GLCD_JOB_IMAGE defaults to image, pushed to the registry.
// The last line printed is IMAGE=<ref@digest>, publish's dotenv.
func tagPipeline(glcd, name, image, appRepo, tag string, vars []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	e, done, err := setup(ctx, glcd, name)
	if err != nil {
		return err
	}
	defer done()

	// the project on a git server the pods reach, and the pipeline file at the tag
	const repo = "group/app.git" // the runner stand-in's CI_PROJECT_PATH
	if err := e.git.CreateRepo(repo, "main"); err != nil {
		return err
	}
	checkout := filepath.Join(e.tmp, "checkout")
	for _, args := range [][]string{
		{"-C", appRepo, "push", "-q", "file://" + e.git.Dir(repo), "+refs/heads/main:refs/heads/main", "+refs/tags/" + tag + ":refs/tags/" + tag},
		{"clone", "-q", "--depth", "1", "--branch", tag, "file://" + e.git.Dir(repo), checkout},
	} {
		if out, err := exec.CommandContext(ctx, "git", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("git %v: %w: %s", args, err, out)
		}
	}
	out, err := exec.CommandContext(ctx, "git", "-C", checkout, "log", "-1", "--format=%H %cI").Output()
	if err != nil {
		return fmt.Errorf("git log: %w", err)
	}
	sha, stamp, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	// glcd's components as GitLab would include them from its catalog: this glcd's copy
	p, err := pipeline.LoadWith(filepath.Join(checkout, ".gitlab-ci.yml"),
		pipeline.LoadOptions{Catalogs: map[string]fs.FS{glcdassets.CatalogProject: glcdassets.Catalog}})
	if err != nil {
		return err
	}
	for _, c := range p.Components {
		fmt.Printf("include: component: %s (%s of this glcd's catalog)\n", c.Ref, c.File)
	}
	jobs := map[string]pipeline.Job{}
	for _, j := range p.Jobs {
		jobs[j.Name] = j
	}

	// the registry: the kubelet pulls the jobs' images with the namespace's pull secret
	reg := e.c.PodRegistry(true)
	if err := e.c.PullSecret(ctx, e.ns, "registry"); err != nil {
		return err
	}
	f, err := os.OpenFile(e.settings, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString("imagePullSecrets: [registry]\n")
	if err := errors.Join(err, f.Close()); err != nil {
		return err
	}

	const dir = "/builds/group/app"
	project := map[string]string{}
	for _, kv := range vars {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("project variable %q: want NAME=VALUE", kv)
		}
		project[k] = v
	}
	predefined := map[string]string{
		"CI_PROJECT_DIR": dir, "CI_COMMIT_TAG": tag, "CI_COMMIT_SHA": sha, "CI_COMMIT_TIMESTAMP": stamp,
		"CI_REGISTRY": reg, "CI_REGISTRY_IMAGE": reg + "/group/app", "CI_REGISTRY_USER": testbed.RegistryUser,
	}
	// the glcd image on the registry, as GLCD_JOB_IMAGE (registry.gitlab.com/glcd/glcd in a
	// real project), and the bases the pipeline names, pushed where it names them
	if _, ok := project["GLCD_JOB_IMAGE"]; !ok {
		project["GLCD_JOB_IMAGE"] = reg + "/glcd/glcd:demo"
	}
	global := pipeline.ExpandVariables(merged(predefined, p.Variables, project))
	if err := pushBases(ctx, e.c, image, reg, global["GLCD_JOB_IMAGE"], global["BUILDER_BASE"], global["APP_BASE"]); err != nil {
		return err
	}
	dotenv := map[string]string{}
	fmt.Printf("runner: the tag pipeline of %s at %s (%s), jobs %s, through %s executor (namespace %s, PodSecurity baseline, nothing privileged)\n",
		filepath.Base(appRepo), tag, sha[:8], strings.Join(tagJobs, ", "), glcd, e.ns)
	type row struct{ job, image, took, pushed string }
	var rows []row
	for i, name := range tagJobs {
		j, ok := jobs[name]
		if !ok {
			return fmt.Errorf("%s has no job %s", p.File, name)
		}
		// GitLab's precedence, lowest first: predefined, the file's global variables, the
		// job's, the dotenv reports of the jobs before, the project's settings
		expanded := pipeline.ExpandVariables(merged(predefined, p.Variables, j.Variables(), dotenv, project))
		img, _ := j.ImageOf()
		jobImage := pipeline.Expand(img.Name, expanded)
		var jv []runner.Variable
		for _, k := range slices.Sorted(maps.Keys(expanded)) {
			if k == "CI_PROJECT_DIR" {
				continue // the runner's own
			}
			jv = append(jv, runner.Variable{Key: k, Value: expanded[k], Public: true})
		}
		jv = append(jv, runner.Variable{Key: "CI_REGISTRY_PASSWORD", Value: testbed.RegistryPassword, Masked: true})
		script := append([]string{`cd "` + dir + `"`}, append(j.Lines("before_script"), j.Lines("script")...)...)
		stages := []runner.Stage{
			{Name: "prepare_script", Lines: []string{`echo "Running on $(hostname) via glcd executor..."`}},
			e.getSources(dir, repo, "refs/tags/"+tag),
			{Name: "build_script", Lines: script},
		}
		if after := j.Lines("after_script"); len(after) > 0 {
			stages = append(stages, runner.Stage{Name: "after_script", Lines: append([]string{`cd "` + dir + `"`}, after...)})
		}
		report := j.Dotenv()
		if report != "" {
			// the helper uploads the report; GitLab hands its variables to the later jobs
			stages = append(stages, runner.Stage{Name: "upload_artifacts_on_success", Lines: []string{`@cat "` + dir + `/` + report + `"`}})
		}
		stages = append(stages, runner.Stage{Name: "cleanup_file_variables", Lines: []string{`@rm -rf "` + dir + `.tmp"`}})
		res, err := e.rn.Run(ctx, runner.Job{ID: fmt.Sprint(9501 + i), ProjectID: "42", Concurrent: "0", Token: jobToken,
			Image: jobImage, Vars: jv, Stages: stages})
		if err != nil {
			return err
		}
		log := res.Output()
		if strings.Contains(log, testbed.RegistryPassword) || strings.Contains(log, jobToken) {
			return fmt.Errorf("job %s: the registry password or the job token is in the job's log", name)
		}
		fmt.Printf("\n--- %s (image %s), pod %s\n", name, jobImage, res.Pod)
		if c := res.Call("run:build_script"); c != nil {
			fmt.Print(indent(string(c.Out)))
		}
		if res.FailedStage != "" {
			return fmt.Errorf("job %s failed in %s:\n%s", name, res.FailedStage, indent(log))
		}
		if report != "" {
			c := res.Call("run:upload_artifacts_on_success")
			for _, l := range strings.Split(string(c.Stdout), "\n") {
				if l = strings.TrimSpace(l); dotenvLine.MatchString(l) {
					k, v, _ := strings.Cut(l, "=")
					dotenv[k] = v
					fmt.Printf("  dotenv %s: %s\n", report, l)
				}
			}
		}
		pushed := "-"
		for _, l := range strings.Split(log, "\n") {
			if _, after, ok := strings.Cut(l, " bytes sent"); ok && after == "" {
				if i := strings.LastIndex(l, ", "); i > 0 {
					pushed = strings.TrimSuffix(l[i+2:], " sent")
				}
			}
		}
		rows = append(rows, row{name, jobImage, ms(total(res)), pushed})
	}
	fmt.Printf("\n%-12s %10s %18s  %s\n", "job", "took", "pushed", "image")
	for _, r := range rows {
		fmt.Printf("%-12s %10s %18s  %s\n", r.job, r.took, r.pushed, r.image)
	}
	if dotenv["IMAGE"] == "" {
		return fmt.Errorf("publish's dotenv report has no IMAGE")
	}
	fmt.Printf("IMAGE=%s\n", dotenv["IMAGE"])
	return nil
}

// pushBases pushes the glcd image (podman's image image) as glcdImage, and the toolchain
// and runtime bases a project pushes once per GHC version (make image-builder-base
// image-app-base) as the pipeline names them, builderBase (the glcd image again) and appBase
// (busybox), all on the registry reg.
func pushBases(ctx context.Context, c *testbed.Cluster, image, reg, glcdImage, builderBase, appBase string) error {
	var paths []string
	for _, ref := range []string{glcdImage, builderBase, appBase} {
		p, ok := strings.CutPrefix(ref, reg+"/")
		if !ok {
			return fmt.Errorf("the pipeline's image %q is not on the job's registry %s", ref, reg)
		}
		paths = append(paths, testbed.RegistryAuth+"/"+p)
	}
	dir, err := images.DefaultDir()
	if err != nil {
		return err
	}
	pm, err := images.New(dir, os.Stderr)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "glcd-cijob-base-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	archive := filepath.Join(tmp, "image.tar")
	if err := pm.Save(ctx, image, archive); err != nil {
		return err
	}
	for _, p := range paths[:2] {
		if err := c.PushArchive(ctx, archive, p); err != nil {
			return err
		}
	}
	return c.PushBusyboxImage(ctx, paths[2])
}

// merged is the union of ms, a later one's value winning.
func merged(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}
