package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	cryptorand "crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/cocreate/cocreate/notes"
)

// guestSubjectLen is the length of a guest's public id after "guest:":
// 22 base64url characters, 132 bits of the HMAC.
const guestSubjectLen = 22

// guestSubject is the public id of the guest whose secret cookie value
// is cookie: an HMAC under the server's guest key, so the id shown to
// others (participants, hands, hosts, logs) never reveals the cookie, and
// the cookie cannot be derived from it.
func guestSubject(key []byte, cookie string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(cookie))
	return "guest:" + base64.RawURLEncoding.EncodeToString(h.Sum(nil))[:guestSubjectLen]
}

// sharedKey returns the deployment's key called name ("guest": guests'
// public ids; "ballot": sealed anonymous ballots), kept in the store so
// that every instance on one store (PostgreSQL) uses the same one and
// guests keep their ids across restarts and instances. A key file
// name.key that an earlier version left in --data is adopted on the
// first start, so existing guests keep their ids; a file that differs
// from the key already stored (another instance stored first) is
// ignored, with a warning.
func sharedKey(ctx context.Context, cfg Config, store notes.Secrets, log *slog.Logger, name string) ([]byte, error) {
	var file []byte
	if cfg.Data != "" {
		if b, err := os.ReadFile(filepath.Join(cfg.Data, name+".key")); err == nil && len(b) == 32 {
			file = b
		}
	}
	key := file
	if key == nil {
		key = make([]byte, 32)
		if _, err := cryptorand.Read(key); err != nil {
			return nil, err
		}
	}
	stored, err := store.Secret(ctx, name+"_key", key)
	if err != nil {
		return nil, fmt.Errorf("%s key: %w", name, err)
	}
	if file != nil && !bytes.Equal(file, stored) {
		log.Warn("key file ignored: the store holds another key, which every instance uses", "file", filepath.Join(cfg.Data, name+".key"))
	}
	return stored, nil
}
