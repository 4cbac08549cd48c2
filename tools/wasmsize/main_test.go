package main

import (
	"testing"
)

func TestPackageOf(t *testing.T) {
	paths := map[string]string{}
	for _, p := range []string{"encoding/json", "regexp", "regexp/syntax", "gopkg.in/yaml.v2", "github.com/osteele/liquid/values"} {
		paths[mangle(p)] = p
	}
	paths["main"] = "github.com/roostmsg/roost/wasm"
	for sym, want := range map[string]string{
		"encoding_json.__decodeState_.value":                    "encoding/json",
		"regexp.__Regexp_.FindStringIndex":                      "regexp",
		"regexp_syntax.parse":                                   "regexp/syntax",
		"gopkg.in_yaml.v2.init":                                 "gopkg.in/yaml.v2",
		"github.com_osteele_liquid_values.structValue.Contains": "github.com/osteele/liquid/values",
		"main.main":                  "github.com/roostmsg/roost/wasm",
		"type_.eq.runtime.notInHeap": "(compiler-generated)",
		"":                           "(unnamed)",
		"somethingelse":              "(other)",
	} {
		if got := packageOf(paths, sym); got != want {
			t.Errorf("packageOf(%q) = %q, want %q", sym, got, want)
		}
	}
}
