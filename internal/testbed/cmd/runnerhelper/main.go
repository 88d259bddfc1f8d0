// Command runnerhelper stands in for GitLab's gitlab-runner-helper in the executor tests' helper
// image, where the real one cannot be built (the module proxy does not serve GitLab Runner):
// the subcommands the runner's cache and artifact scripts call, with the real one's flags,
// enough for the replayed scripts of GitLab Runner 17.9.3 to store and restore a cache on the
// cache volume and upload artifacts to the coordinator double. Every call is appended to
// $GLCD_HELPER_LOG (default /tmp/gitlab-runner-helper.log) so a test can see it happened.
// With a runner binary, the executor's real-runner tests use the real helper instead.
package main

import (
	"archive/zip"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "gitlab-runner-helper (glcd test stand-in): %v\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: gitlab-runner-helper --version | cache-archiver | cache-extractor | artifacts-uploader | artifacts-downloader")
	}
	logCall(args)
	if args[0] == "--version" || args[0] == "-v" {
		fmt.Println("Version:      17.9.3 (glcd test stand-in)")
		return nil
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	var (
		file, urlFlag, token, id, name, expire, format, typ, header string
		timeout                                                     int
		paths, excludes                                             list
		untracked                                                   bool
	)
	fs.StringVar(&file, "file", "", "archive")
	fs.StringVar(&urlFlag, "url", "", "GitLab URL")
	fs.StringVar(&token, "token", os.Getenv("CI_JOB_TOKEN"), "job token")
	fs.StringVar(&id, "id", os.Getenv("CI_JOB_ID"), "job id")
	fs.StringVar(&name, "name", "artifacts", "artifact name")
	fs.StringVar(&expire, "expire-in", "", "expiry")
	fs.StringVar(&format, "artifact-format", "zip", "format")
	fs.StringVar(&typ, "artifact-type", "archive", "type")
	fs.StringVar(&header, "header", "", "header")
	fs.IntVar(&timeout, "timeout", 10, "minutes")
	fs.Var(&paths, "path", "path to archive")
	fs.Var(&excludes, "exclude", "path to exclude")
	fs.BoolVar(&untracked, "untracked", false, "untracked files")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "cache-extractor":
		if _, err := os.Stat(file); err != nil {
			return fmt.Errorf("%s: file does not exist", file)
		}
		return unzip(file)
	case "cache-archiver":
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return err
		}
		b, err := zipPaths(paths)
		if err != nil {
			return err
		}
		return os.WriteFile(file, b, 0o644)
	case "artifacts-uploader":
		b, err := zipPaths(paths)
		if err != nil {
			return err
		}
		return upload(urlFlag, id, token, name+".zip", url.Values{"artifact_format": {format}, "artifact_type": {typ}}, b)
	case "artifacts-downloader":
		return download(urlFlag, id, token)
	}
	return fmt.Errorf("unknown command %q", args[0])
}

func logCall(args []string) {
	p := os.Getenv("GLCD_HELPER_LOG")
	if p == "" {
		p = "/tmp/gitlab-runner-helper.log"
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	safe := make([]string, len(args))
	for i, a := range args {
		safe[i] = a
		if i > 0 && args[i-1] == "--token" {
			safe[i] = "[MASKED]"
		}
	}
	fmt.Fprintf(f, "%s %s\n", filepath.Base(os.Args[0]), strings.Join(safe, " "))
}

// zipPaths archives the files under the given paths (globs, relative to the working directory).
func zipPaths(patterns []string) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	seen := map[string]bool{}
	for _, pat := range patterns {
		matches, err := filepath.Glob(pat)
		if err != nil {
			return nil, err
		}
		for _, m := range matches {
			err := filepath.WalkDir(m, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() || seen[p] {
					return err
				}
				seen[p] = true
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				w, err := zw.Create(filepath.ToSlash(p))
				if err != nil {
					return err
				}
				_, err = w.Write(b)
				return err
			})
			if err != nil {
				return nil, err
			}
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func unzip(file string) error {
	zr, err := zip.OpenReader(file)
	if err != nil {
		return err
	}
	defer zr.Close()
	return extract(&zr.Reader)
}

func extract(zr *zip.Reader) error {
	for _, f := range zr.File {
		if strings.Contains(f.Name, "..") || filepath.IsAbs(f.Name) {
			return fmt.Errorf("unsafe path %q in the archive", f.Name)
		}
		if err := os.MkdirAll(filepath.Dir(f.Name), 0o755); err != nil {
			return err
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		if err := os.WriteFile(f.Name, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// client trusts $CI_SERVER_TLS_CA_FILE besides the system roots, as the real helper does.
func client() *http.Client {
	pool, _ := x509.SystemCertPool()
	if pool == nil {
		pool = x509.NewCertPool()
	}
	if ca := os.Getenv("CI_SERVER_TLS_CA_FILE"); ca != "" {
		if b, err := os.ReadFile(ca); err == nil {
			pool.AppendCertsFromPEM(b)
		}
	}
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func upload(base, id, token, filename string, q url.Values, archive []byte) error {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, err := mw.CreateFormFile("file", filename)
	if err != nil {
		return err
	}
	if _, err := w.Write(archive); err != nil {
		return err
	}
	if err := mw.Close(); err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, strings.TrimSuffix(base, "/")+"/api/v4/jobs/"+id+"/artifacts?"+q.Encode(), &body)
	if err != nil {
		return err
	}
	req.Header.Set("JOB-TOKEN", token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("upload: %s", resp.Status)
	}
	fmt.Printf("Uploading artifacts as %q to coordinator... 201 Created  id=%s\n", q.Get("artifact_format"), id)
	return nil
}

func download(base, id, token string) error {
	req, err := http.NewRequest(http.MethodGet, strings.TrimSuffix(base, "/")+"/api/v4/jobs/"+id+"/artifacts", nil)
	if err != nil {
		return err
	}
	req.Header.Set("JOB-TOKEN", token)
	resp, err := client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("download: %s", resp.Status)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return err
	}
	return extract(zr)
}
