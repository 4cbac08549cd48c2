package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTrim(t *testing.T) {
	src := "/*! Notice:\n * kept\n */\n(function () {\n  // a comment\n  var a = 1; // stays: not a comment line\n\n  /* gone\n   * too */\n  /* one line */ var b = \"//x\";\n  /**\n   * doc\n   */\n  return a\n    + b;\n})();\n"
	got, err := trim("x.js", src)
	require.NoError(t, err)
	assert.Equal(t, "/*! Notice:\n* kept\n*/\n(function () {\nvar a = 1; // stays: not a comment line\nvar b = \"//x\";\nreturn a\n+ b;\n})();\n", got)

	css := "/* theme */\n:host {\n  color: red; /* inline */\n}\n"
	got, err = trim("x.css", css)
	require.NoError(t, err)
	assert.Equal(t, ":host {\ncolor: red; /* inline */\n}\n", got)

	_, err = trim("x.js", "var s = `a\n  b`;\n")
	assert.ErrorContains(t, err, "x.js:1: a template literal spans lines")
	again, err := trim("x.js", got)
	require.NoError(t, err)
	assert.Equal(t, got, again, "trimming twice changes nothing more")
}
