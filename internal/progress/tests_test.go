package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestTestsReportsLikeGoTestAndSaysWhatRuns(t *testing.T) {
	var out bytes.Buffer
	r := NewTests(&out, "make test")
	at := func(d time.Duration) time.Time { return r.start.Add(d) }
	const mod = "gitlab.com/glcd/glcd/"
	for _, ev := range []struct {
		d    time.Duration
		line string
	}{
		{0, `{"Action":"start","Package":"` + mod + `executor"}`},
		{0, `{"Action":"start","Package":"` + mod + `images"}`},
		{time.Second, `{"Action":"run","Package":"` + mod + `executor","Test":"TestJobEchoes"}`},
		{time.Second, `{"Action":"output","Package":"` + mod + `executor","Test":"TestJobEchoes","Output":"=== RUN   TestJobEchoes\n"}`},
		{2 * time.Second, `{"Action":"run","Package":"` + mod + `executor","Test":"TestJobEchoes/sub"}`},
		{3 * time.Second, `{"Action":"run","Package":"` + mod + `images","Test":"TestBuild"}`},
		{4 * time.Second, `{"Action":"output","Package":"` + mod + `images","Test":"TestBuild","Output":"    build_test.go:9: the image lacks git\n"}`},
		{5 * time.Second, `{"Action":"fail","Package":"` + mod + `images","Test":"TestBuild"}`},
		{5 * time.Second, `{"Action":"output","Package":"` + mod + `images","Output":"FAIL\t` + mod + `images\t5.0s\n"}`},
		{5 * time.Second, `{"Action":"fail","Package":"` + mod + `images","Elapsed":5}`},
		{6 * time.Second, `go: downloading example.com/x v1.0.0`},
	} {
		r.line([]byte(ev.line), at(ev.d))
	}
	r.Check(at(30*time.Second), time.Minute) // 24 s quiet: nothing
	r.Check(at(70*time.Second), time.Minute)
	for _, ev := range []string{
		`{"Action":"pass","Package":"` + mod + `executor","Test":"TestJobEchoes"}`,
		`{"Action":"output","Package":"` + mod + `executor","Output":"ok  \t` + mod + `executor\t71.2s\n"}`,
		`{"Action":"pass","Package":"` + mod + `executor","Elapsed":71.2}`,
	} {
		r.line([]byte(ev), at(71*time.Second))
	}
	want := "    build_test.go:9: the image lacks git\n" +
		"FAIL\t" + mod + "images\t5.0s\n" +
		"go: downloading example.com/x v1.0.0\n" +
		"make test [1m10s] 1 packages done; running executor 1m10s (TestJobEchoes 1m9s)\n" +
		"ok  \t" + mod + "executor\t71.2s\n"
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	if f := r.Failed(); len(f) != 1 || !strings.HasSuffix(f[0], "images") {
		t.Errorf("failed %v", f)
	}
}
