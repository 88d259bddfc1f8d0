// Package locale spares every glcd process kubectl's message catalog. kubectl's command
// packages translate their help texts while they are initialised, so linking kubectl into
// glcd made each start parse a 200 KB catalog (about 25 ms here), `glcd executor run` for
// every stage of every job included. For English, the catalog kubectl would load (default or
// en_US) maps every message to itself, so it is not loaded; any other language is loaded as
// upstream kubectl loads it.
//
// The package must be initialised before kubectl's command packages: Go initialises the
// ready package whose import path sorts first, and gitlab.com/... sorts before k8s.io/...,
// so it is, once k8s.io/kubectl/pkg/util/i18n is. Installed reports that it was.
package locale

import (
	"os"
	"strings"

	"k8s.io/kubectl/pkg/util/i18n"
)

var installed = i18n.SetLoadTranslationsFunc(load) == nil

// Installed reports whether kubectl's catalog is loaded through this package: no message was
// translated before it was initialised.
func Installed() bool { return installed }

func load() error {
	if English(os.Getenv) {
		return nil
	}
	return i18n.LoadTranslations("kubectl", nil)
}

// English reports whether kubectl would pick an English catalog (default or en_US) for the
// environment getenv reads: LC_ALL, else LC_MESSAGES, else LANG, as kubectl's i18n does.
func English(getenv func(string) string) bool {
	lang := getenv("LC_ALL")
	if lang == "" {
		lang = getenv("LC_MESSAGES")
	}
	if lang == "" {
		lang = getenv("LANG")
	}
	name, _, ok := strings.Cut(lang, ".")
	if !ok || strings.Contains(lang[len(name)+1:], ".") {
		return true // kubectl: no LANG, or not LANGUAGE.ENCODING: its default catalog
	}
	switch name {
	case "en_US", "C", "POSIX":
		return true
	}
	return false
}
