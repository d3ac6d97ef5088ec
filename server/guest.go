package server

import (
	"crypto/hmac"
	cryptorand "crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
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

// loadGuestKey returns the key of guestSubject: kept in guest.key under
// --data, so guests keep their identity across restarts (instances that
// share a --data directory share it too), or one per process without a
// data directory.
func loadGuestKey(cfg Config) ([]byte, error) {
	key := make([]byte, 32)
	if cfg.Data == "" {
		_, err := cryptorand.Read(key)
		return key, err
	}
	path := filepath.Join(cfg.Data, "guest.key")
	if b, err := os.ReadFile(path); err == nil && len(b) == 32 {
		return b, nil
	}
	if _, err := cryptorand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, fmt.Errorf("guest key: %w", err)
	}
	if err := os.WriteFile(path, key, 0o600); err != nil {
		return nil, fmt.Errorf("guest key: %w", err)
	}
	return key, nil
}
