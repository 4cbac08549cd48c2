package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/service"
)

// signingHeading is the README subsection whose code blocks a site's
// backend copies to sign its users' ids.
const signingHeading = "### Sign identities on your backend"

// tokenHeading is the README subsection whose code blocks make identity
// tokens that expire.
const tokenHeading = "#### Identity tokens that expire"

// signingCases are the secrets and user ids the snippets are run with: a
// secret as `roost keygen` prints it, and a user id that is not ASCII (the
// HMAC is over its UTF-8 bytes).
var signingCases = []struct{ secret, user string }{
	{"roost_5b1f0c9e2d7a4c3b8e6f1a0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b", "user_123"},
	{"s3cret", "zoë@example.com"},
}

// TestReadmeSigningSnippets runs each code block of the README's signing
// subsection with ROOST_SITE_SECRET and USER_ID set, and checks that it
// prints exactly server.SignIdentity(secret, id): the Go one (built in a
// module of its own), the Node.js one with node (which `make test`
// installs), and the Python and Ruby ones when python3 and ruby are here.
func TestReadmeSigningSnippets(t *testing.T) {
	runSigningSnippets(t, signingHeading, func(t *testing.T, secret, user, out string, _, _ time.Time) {
		assert.Equal(t, server.SignIdentity(secret, user)+"\n", out)
	})
}

// TestReadmeTokenSnippets runs the README's identity token snippets the
// same way, and checks what each prints against the server's verifier: a
// token of the user id that expires an hour after it ran, accepted a
// second before that and refused as expired from then on, and refused for
// another id.
func TestReadmeTokenSnippets(t *testing.T) {
	runSigningSnippets(t, tokenHeading, func(t *testing.T, secret, user, out string, start, end time.Time) {
		token := strings.TrimSuffix(out, "\n")
		require.Regexp(t, `^v1\.[1-9][0-9]*\.[0-9a-f]{64}$`, token, "one token and a newline")
		exp, err := strconv.ParseInt(strings.Split(token, ".")[1], 10, 64)
		require.NoError(t, err)
		assert.True(t, exp >= start.Add(time.Hour).Unix()-1 && exp <= end.Add(time.Hour).Unix()+1,
			"it expires an hour after it ran, in seconds (got %d)", exp)
		assert.Equal(t, server.SignIdentityToken(secret, user, time.Unix(exp, 0)), token)
		assert.NoError(t, server.VerifyIdentity(secret, user, token, time.Unix(exp-1, 0)), "accepted until it expires")
		assert.True(t, server.IdentityExpired(server.VerifyIdentity(secret, user, token, time.Unix(exp, 0))), "refused as expired from exp on")
		assert.Error(t, server.VerifyIdentity(secret, user+"x", token, time.Unix(exp-1, 0)), "not another id's")
	})
}

// runSigningSnippets runs each code block of the README's subsection
// heading, one per language (Go, Node.js, Python, Ruby), for each of
// signingCases, and checks what it printed with check; start and end
// bound when it ran.
func runSigningSnippets(t *testing.T, heading string, check func(t *testing.T, secret, user, out string, start, end time.Time)) {
	blocks := readmeCodeBlocks(t, "../../README.md", heading)
	langs := make([]string, 0, len(blocks))
	for _, b := range blocks {
		langs = append(langs, b.lang)
	}
	require.ElementsMatch(t, []string{"go", "js", "python", "ruby"}, langs,
		"the README's %q has one snippet a language, each fenced with its language", heading)

	for _, b := range blocks {
		t.Run(b.lang, func(t *testing.T) {
			dir := t.TempDir()
			var command []string
			switch b.lang {
			case "go":
				command = []string{buildGoSnippet(t, dir, b.code)}
			case "js":
				command = []string{interpreter(t, "node", "Node.js", os.Getenv("ROOST_BROWSER_TESTS") == "require"), write(t, dir, "sign.mjs", b.code)}
			case "python":
				command = []string{interpreter(t, "python3", "Python", false), write(t, dir, "sign.py", b.code)}
			case "ruby":
				command = []string{interpreter(t, "ruby", "Ruby", false), write(t, dir, "sign.rb", b.code)}
			}
			for _, c := range signingCases {
				cmd := exec.Command(command[0], command[1:]...)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "ROOST_SITE_SECRET="+c.secret, "USER_ID="+c.user, "LANG=C.UTF-8")
				start := time.Now()
				out, err := cmd.Output()
				end := time.Now()
				require.NoError(t, err, "the README's %s snippet (line %d) failed: %s", b.lang, b.line, stderrOf(err))
				t.Run(c.user, func(t *testing.T) {
					t.Logf("the README's %s snippet (line %d) for %q printed %q", b.lang, b.line, c.user, out)
					check(t, c.secret, c.user, string(out), start, end)
				})
			}
		})
	}
}

// TestProtocolDocListsEveryServeSetting: docs/protocol.md's "Server
// settings" table has a row for each flag of roost serve, with its
// variable and its default.
func TestProtocolDocListsEveryServeSetting(t *testing.T) {
	b, err := os.ReadFile("../../docs/protocol.md")
	require.NoError(t, err)
	doc := string(b)
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	service.BindFlags(fs)
	fs.VisitAll(func(f *flag.Flag) {
		prefix := fmt.Sprintf("| `-%s` | `%s` | ", f.Name, service.EnvName(f.Name))
		i := strings.Index(doc, "\n"+prefix)
		if !assert.GreaterOrEqual(t, i, 0, "docs/protocol.md has no row starting %q", prefix) {
			return
		}
		row, _, _ := strings.Cut(doc[i+1:], "\n")
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			assert.Contains(t, row, "`"+f.DefValue+"`", "the row of -%s gives its default", f.Name)
		}
	})
}

// codeBlock is a fenced code block of a markdown file.
type codeBlock struct {
	lang, code string
	line       int // of its opening fence
}

// readmeCodeBlocks returns the fenced code blocks of the section of the
// markdown file path that starts with the line heading and ends at the
// next heading.
func readmeCodeBlocks(t *testing.T, path, heading string) []codeBlock {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var blocks []codeBlock
	var block *codeBlock
	in, found := false, false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case block != nil && strings.HasPrefix(line, "```"):
			blocks = append(blocks, *block)
			block = nil
		case block != nil:
			block.code += line + "\n"
		case line == heading:
			in, found = true, true
		case in && strings.HasPrefix(line, "#"):
			in = false
		case in && strings.HasPrefix(line, "```"):
			block = &codeBlock{lang: strings.TrimSpace(strings.TrimPrefix(line, "```")), line: n}
		}
	}
	require.NoError(t, sc.Err())
	require.True(t, found, "%s has no line %q", path, heading)
	if block != nil {
		t.Fatalf("%s: the code block opened at line %d is not closed", path, block.line)
	}
	return blocks
}

// buildGoSnippet builds the Go snippet as a program in a module of its own
// in dir, and returns the program's path.
func buildGoSnippet(t *testing.T, dir, code string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	write(t, dir, "go.mod", "module readmesnippet\n\ngo 1.22\n")
	write(t, dir, "main.go", code)
	bin := filepath.Join(dir, "sign")
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the README's Go snippet does not build:\n%s", out)
	return bin
}

// interpreter returns the path of the program name, which runs the
// snippet of language; it skips the test when name is not installed, or
// fails it if required.
func interpreter(t *testing.T, name, language string, required bool) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if required {
		t.Fatalf("%s is not installed, and `make test` requires it (it installs it as root)", name)
	}
	t.Skipf("%s is not installed: the README's %s signing snippet is not checked", name, language)
	return ""
}

// write writes content to the file name in dir, and returns its path.
func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

// stderrOf returns what a failed command wrote to its standard error.
func stderrOf(err error) string {
	if e, ok := err.(*exec.ExitError); ok {
		return string(e.Stderr)
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestReadmeListsEveryCommand: the README's two lists of roost's
// subcommands (how to build it, and the layout table's cmd/roost row)
// name each one, and what it says of healthcheck's address agrees with
// `roost -h`: the metrics listener's variable first.
func TestReadmeListsEveryCommand(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	readme := string(b)
	for _, marker := range []string{"lists the commands: `serve`", "| `cmd/roost/` |"} {
		i := strings.Index(readme, marker)
		require.GreaterOrEqual(t, i, 0, "the README has %q", marker)
		list, _, _ := strings.Cut(readme[i:], ".\n")
		list, _, _ = strings.Cut(list, "|\n")
		for _, name := range commandOrder {
			assert.Contains(t, list, "`"+name, "the README's list at %q names %s", marker, name)
		}
	}
	usage, _, _ := runRoost(t, nil, "-h")
	line := usage[strings.Index(usage, "  healthcheck "):]
	line, _, _ = strings.Cut(line, "\n")
	metrics, addr := service.EnvName("metrics-addr"), service.EnvName("addr")
	assert.Less(t, strings.Index(line, metrics), strings.Index(line, addr), "roost -h: healthcheck asks %s, else %s: %q", metrics, addr, line)
	assert.GreaterOrEqual(t, strings.Index(line, metrics), 0, line)
	i := strings.Index(readme, "`roost healthcheck [-ready]` asks")
	require.GreaterOrEqual(t, i, 0)
	para, _, _ := strings.Cut(readme[i:], "\n- ")
	assert.Less(t, strings.Index(para, metrics), strings.Index(para, addr), "the README: healthcheck asks %s, else %s", metrics, addr)
	assert.GreaterOrEqual(t, strings.Index(para, metrics), 0, para)
}
