package version

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// fromPackageYAML reads the top-level version: of hpack's package.yaml. The scalar's text is
// taken as written, so `version: 1.10` stays "1.10" rather than becoming the number 1.1.
func fromPackageYAML(dir string) (Found, error) {
	const name = "package.yaml"
	b, err := read(dir, name, "version: <version>")
	if err != nil {
		return Found{}, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return Found{}, fmt.Errorf("%s: %w", name, err)
	}
	if len(doc.Content) == 0 {
		return Found{}, none("%s: the file is empty", name)
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return Found{}, fmt.Errorf("%s:%d: want a mapping at the top level", name, top.Line)
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		if k.Value != "version" {
			continue
		}
		if v.Kind != yaml.ScalarNode {
			return Found{}, fmt.Errorf("%s:%d: version is not a plain value", name, v.Line)
		}
		return Found{Version: v.Value, Source: name, Line: v.Line}, nil
	}
	return Found{}, none("%s: no top-level version:", name)
}
