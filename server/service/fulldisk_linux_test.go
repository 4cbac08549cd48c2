package service_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server/service"
	"github.com/roostmsg/roost/server/sqlite"
)

// TestFullDisk: on a disk that fills up, a send is answered 507 with a
// clear error while the server stays ready; once there is room again,
// sends succeed without a restart, and every acknowledged one is stored.
func TestFullDisk(t *testing.T) {
	dir := mountTmpfs(t, 4<<20)
	ts := startService(t, func(cfg *service.Config) { cfg.DB = filepath.Join(dir, "roost.db") })
	filler := filepath.Join(dir, "filler")
	fill(t, filler, 384<<10)

	data := strings.Repeat("x", 96<<10)
	body := func(n int) string {
		return `{"transactional_message_id":"order_shipped","identifiers":{"id":"user_123"},` +
			`"message_data":{"order_id":"ORD-` + strconv.Itoa(n) + `","blob":"` + data + `"}}`
	}
	var acked []string
	full := false
	for i := 0; i < 40 && !full; i++ {
		status, resp, _ := ts.do(http.MethodPost, ts.base+"/v1/send/inbox_message", body(i), "Authorization", "Bearer "+testKey)
		switch status {
		case http.StatusOK:
			var ok struct {
				DeliveryID string `json:"delivery_id"`
			}
			require.NoError(t, json.Unmarshal([]byte(resp), &ok))
			acked = append(acked, ok.DeliveryID)
		case http.StatusInsufficientStorage:
			full = true
			var e struct {
				Meta struct {
					Error string `json:"error"`
				} `json:"meta"`
			}
			require.NoError(t, json.Unmarshal([]byte(resp), &e), resp)
			assert.Contains(t, e.Meta.Error, "the server's disk is full")
		default:
			t.Fatalf("send %d: %d %s", i, status, resp)
		}
	}
	require.True(t, full, "the disk never filled up: %d sends stored", len(acked))
	t.Logf("%d sends stored before the disk was full", len(acked))
	require.NotEmpty(t, acked, "leave room for a few sends before the disk fills up")
	status, _, _ := ts.do(http.MethodGet, ts.base+"/readyz", "")
	assert.Equal(t, http.StatusOK, status, "a full disk does not make the server unready: it still reads")
	status, _ = ts.poll(testUser, "")
	assert.Equal(t, http.StatusOK, status, "polls still work")

	require.NoError(t, os.Remove(filler))
	for i := range 3 {
		status, id := ts.send("inbox_message", body(i))
		require.Equal(t, http.StatusOK, status, "room again, no restart")
		acked = append(acked, id)
	}

	require.NoError(t, ts.stop())
	require.NoError(t, ts.svc.Close())
	db, err := sqlite.Open(ts.cfg.DB)
	require.NoError(t, err)
	defer db.Close()
	for _, id := range acked {
		d, err := db.FindDelivery(context.Background(), id)
		if assert.NoError(t, err, "acknowledged delivery %s", id) {
			assert.Equal(t, "user_123", d.PersonID)
		}
	}
}

// mountTmpfs mounts a tmpfs of size bytes on a new directory, unmounted
// when the test ends; the test is skipped where it cannot be mounted.
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+strconv.Itoa(size)); err != nil {
		t.Skipf("this test mounts a small tmpfs to fill it up, which needs root (or CAP_SYS_ADMIN): mount -t tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount the test's tmpfs %s: %v", dir, err)
		}
	})
	return dir
}

// fill writes a file at path until the disk is full, then shortens it to
// leave room bytes free.
func fill(t *testing.T, path string, room int64) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	chunk := make([]byte, 64<<10)
	var size int64
	for {
		n, err := f.Write(chunk)
		size += int64(n)
		if errors.Is(err, syscall.ENOSPC) {
			break
		}
		require.NoError(t, err)
	}
	require.Greater(t, size, room, "the disk is too small to leave room")
	require.NoError(t, f.Truncate(size-room))
}
