package locale_test

import (
	"os"
	"testing"

	"gitlab.com/glcd/glcd/internal/kubectl/locale"
	"k8s.io/kubectl/pkg/cmd" // kubectl's command packages: they translate while initialised
	"k8s.io/kubectl/pkg/util/i18n"
)

// The package is initialised before any kubectl command package translates a message, so
// it decides how the catalog is loaded; kubectl's English messages are unchanged.
func TestInstalledBeforeKubectl(t *testing.T) {
	if !locale.Installed() {
		t.Fatal("a kubectl package translated a message before locale was initialised: the catalog was loaded as before")
	}
	if got := i18n.T("Print the client and server version information"); got != "Print the client and server version information" {
		t.Errorf("T = %q", got)
	}
	if c := cmd.NewDefaultKubectlCommand(); c.Short == "" || c.Long == "" {
		t.Errorf("kubectl's help: %q / %q", c.Short, c.Long)
	}
	t.Logf("LANG=%q LC_ALL=%q: English catalog skipped: %v", os.Getenv("LANG"), os.Getenv("LC_ALL"), locale.English(os.Getenv))
}

func TestEnglish(t *testing.T) {
	for env, want := range map[[3]string]bool{
		{"", "", ""}:                       true,
		{"", "", "C"}:                      true,
		{"", "", "C.UTF-8"}:                true,
		{"", "", "en_US.UTF-8"}:            true,
		{"", "", "de_DE.UTF-8"}:            false,
		{"", "ja_JP.UTF-8", "en_US.UTF-8"}: false,
		{"en_US.UTF-8", "ja_JP.UTF-8", ""}: true,
		{"fr_FR.UTF-8", "", "en_US.UTF-8"}: false,
		{"", "", "de_DE"}:                  true, // not LANGUAGE.ENCODING: kubectl's default
		{"", "", "de_DE.UTF-8.x"}:          true,
	} {
		getenv := func(k string) string {
			return map[string]string{"LC_ALL": env[0], "LC_MESSAGES": env[1], "LANG": env[2]}[k]
		}
		if got := locale.English(getenv); got != want {
			t.Errorf("LC_ALL=%q LC_MESSAGES=%q LANG=%q: English = %v, want %v", env[0], env[1], env[2], got, want)
		}
	}
}
