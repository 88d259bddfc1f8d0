package cli

import (
	"reflect"
	"testing"
)

func TestInterspersedFlags(t *testing.T) {
	app := newApp(&runtime{})
	cases := []struct{ in, want []string }{
		{[]string{"glcd", "rollout", "deployment/web", "--image", "a:1", "--undo-on-failure", "-o", "json"},
			[]string{"glcd", "rollout", "--image", "a:1", "--undo-on-failure", "-o", "json", "--", "deployment/web"}},
		{[]string{"glcd", "-o", "json", "rollout", "--image=a:1", "web"},
			[]string{"glcd", "-o", "json", "rollout", "--image=a:1", "--", "web"}},
		{[]string{"glcd", "version"}, []string{"glcd", "version"}},
		{[]string{"glcd", "rollout", "--", "-weird-name"}, []string{"glcd", "rollout", "--", "-weird-name"}},
		// the runner appends the script and stage after run_args
		{[]string{"glcd", "executor", "run", "--config", "/etc/glcd/executor.yaml", "/tmp/script", "build_script"},
			[]string{"glcd", "executor", "run", "--config", "/etc/glcd/executor.yaml", "--", "/tmp/script", "build_script"}},
	}
	for _, c := range cases {
		if got := interspersed(app, c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v:\n got %v\nwant %v", c.in, got, c.want)
		}
	}
}
