package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgUser is the system user the cluster runs as when the tests run as root.
const pgUser = "roost-pgtest"

// superuser is the cluster's superuser, whom the URLs name.
const superuser = "roost"

// startTimeout bounds the wait for postgres to accept connections.
const startTimeout = 30 * time.Second

// credential is a user and group to run a child as.
type credential struct{ uid, gid uint32 }

// cluster is a running PostgreSQL cluster this test binary started.
type cluster struct {
	dir  string // temporary directory: data/, the socket, postgres.log
	port int
	cmd  *exec.Cmd
	done chan error // receives cmd.Wait's result when postgres exits
}

// url is the URL of the database db in the cluster.
func (c *cluster) url(db string) *url.URL {
	return &url.URL{
		Scheme:   "postgres",
		User:     url.User(superuser),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/" + db,
		RawQuery: "sslmode=disable",
	}
}

// findBinDir finds the directory of initdb and postgres: on PATH, pg_config
// --bindir, else the highest version under /usr/lib/postgresql/*/bin.
func findBinDir() (string, error) {
	has := func(dir string) bool {
		for _, name := range []string{"initdb", "postgres"} {
			if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
				return false
			}
		}
		return true
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if dir, err := filepath.Abs(filepath.Dir(p)); err == nil && has(dir) {
			return dir, nil
		}
	}
	if p, err := exec.LookPath("pg_config"); err == nil {
		if out, err := exec.Command(p, "--bindir").Output(); err == nil {
			if dir := strings.TrimSpace(string(out)); has(dir) {
				return dir, nil
			}
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(dir string) float64 { // 9.6, 15, ...
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
		return v
	}
	slices.SortFunc(dirs, func(a, b string) int {
		va, vb := version(a), version(b)
		switch {
		case va > vb:
			return -1
		case va < vb:
			return 1
		}
		return strings.Compare(a, b)
	})
	for _, dir := range dirs {
		if has(dir) {
			return dir, nil
		}
	}
	return "", errNotFound
}

// startCluster initialises a cluster in a new temporary directory and starts
// postgres on it, on a free port of 127.0.0.1.
func startCluster(bin string) (*cluster, error) {
	var cred *credential
	parent := os.TempDir()
	if os.Geteuid() == 0 {
		var err error
		if cred, err = unprivileged(); err != nil {
			return nil, err
		}
		if !reachable(parent) { // by the unprivileged user
			parent = "/tmp"
		}
	}
	removeStale(parent)
	dir, err := os.MkdirTemp(parent, dirPrefix)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(dir)
		}
	}()
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.uid), int(cred.gid)); err != nil {
			return nil, err
		}
	}

	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"),
		"-U", superuser, "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync")
	initdb.Dir = dir
	initdb.Env = childEnv()
	initdb.SysProcAttr = sysProcAttr(cred, false)
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}

	// Another process may take the free port before postgres binds it:
	// then postgres exits, and a new port is tried.
	for attempt := 1; ; attempt++ {
		c, err := runPostgres(bin, dir, cred)
		if err == nil {
			ok = true
			return c, nil
		}
		if attempt == 3 || !errors.Is(err, errExited) {
			return nil, err
		}
	}
}

// reachable reports whether anyone may enter dir: it and every directory
// above it are executable by others.
func reachable(dir string) bool {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for {
		if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		up := filepath.Dir(dir)
		if up == dir {
			return true
		}
		dir = up
	}
}

// dirPrefix begins the names of the clusters' temporary directories.
const dirPrefix = "roost-pgtest-"

// ownerFile, in a cluster's directory, holds the process id of the test
// binary that made it.
const ownerFile = "owner.pid"

// removeStale removes the directories, in parent, of clusters whose test
// binary is gone: killed, it left its directory (its postgres got the
// parent-death signal).
func removeStale(parent string) {
	dirs, _ := filepath.Glob(filepath.Join(parent, dirPrefix+"*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue // being made, or not ours
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 && processGone(pid) {
			os.RemoveAll(dir)
		}
	}
}

// errExited says postgres exited before accepting connections.
var errExited = errors.New("postgres exited")

// runPostgres starts postgres on the cluster in dir and waits until it
// accepts connections.
func runPostgres(bin, dir string, cred *credential) (*cluster, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "postgres.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	durability := []string{"-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off"}
	if Durable {
		durability = []string{"-c", "fsync=on", "-c", "full_page_writes=on", "-c", "synchronous_commit=on"}
	}
	args := append([]string{"-D", filepath.Join(dir, "data"), "-k", dir, "-c", "listen_addresses=127.0.0.1",
		"-p", strconv.Itoa(port), "-c", "max_connections=200"}, durability...)
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Dir = dir
	cmd.Env = childEnv()
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr(cred, true)
	c := &cluster{dir: dir, port: port, cmd: cmd, done: make(chan error, 1)}

	// The parent-death signal goes when the thread that started the child
	// exits, so postgres is started from a goroutine that keeps its thread
	// until postgres exits.
	startErr := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			startErr <- err
			return
		}
		startErr <- nil
		c.done <- cmd.Wait()
	}()
	if err := <-startErr; err != nil {
		return nil, fmt.Errorf("starting postgres: %w", err)
	}

	logTail := func() string {
		b, _ := os.ReadFile(logPath)
		return string(bytes.TrimSpace(b))
	}
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case err := <-c.done:
			c.done <- err
			return nil, fmt.Errorf("%w (%v) before accepting connections on port %d; its log:\n%s", errExited, err, port, logTail())
		default:
		}
		if err := c.ping(); err == nil {
			return c, nil
		} else if time.Now().After(deadline) {
			c.stop() //nolint:errcheck // already failing
			return nil, fmt.Errorf("postgres did not accept connections on port %d within %v (%v); its log:\n%s", port, startTimeout, err, logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ping connects to the cluster once.
func (c *cluster) ping() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.url("postgres").String())
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// stop shuts postgres down (fast shutdown: SIGINT), waits for it and removes
// the cluster's directory.
func (c *cluster) stop() error {
	defer os.RemoveAll(c.dir)
	if err := c.cmd.Process.Signal(os.Interrupt); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-c.done:
		return nil
	case <-time.After(startTimeout):
		c.cmd.Process.Kill() //nolint:errcheck // reported below
		<-c.done
		return errors.New("postgres did not shut down within " + startTimeout.String() + "; killed")
	}
}

// freePort is a TCP port of 127.0.0.1 free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// childEnv is the environment of initdb and postgres: this process's,
// without PG* variables, which could point them elsewhere.
func childEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "PG") })
}

// unprivileged is the credential of the system user pgUser, created when
// missing (another test binary may be creating it at the same time).
func unprivileged() (*credential, error) {
	var lastErr error
	for attempt := 0; attempt < 20; attempt++ {
		if u, err := user.Lookup(pgUser); err == nil {
			uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
			gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
			if err := errors.Join(err1, err2); err != nil {
				return nil, fmt.Errorf("user %s: %w", pgUser, err)
			}
			return &credential{uid: uint32(uid), gid: uint32(gid)}, nil
		}
		out, err := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", pgUser).CombinedOutput()
		if err == nil {
			continue
		}
		// Exit status 9: the user exists (made by another binary meanwhile);
		// others, such as a locked /etc/passwd, may pass: look again.
		lastErr = fmt.Errorf("PostgreSQL refuses to run as root, and creating the user %s failed: useradd: %v: %s", pgUser, err, bytes.TrimSpace(out))
		if errors.Is(err, exec.ErrNotFound) {
			return nil, lastErr
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil, lastErr
}
