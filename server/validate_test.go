package server

import (
	"net/http"
	"strings"
	"testing"
)

// TestOneValidationPerField: on SQLite and PostgreSQL alike, names that
// are not UTF-8, hold a NUL or are too long get 400 from the REST API
// and the socket endpoint, and a planned agenda the meeting would refuse
// (a blank or over-long title) is refused by POST /api/sessions too, so
// every agenda REST accepts seeds the meeting whole.
func TestOneValidationPerField(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			var edit func(*Config)
			if backend == "postgres" {
				dsn := testPostgresDSN(t)
				edit = func(c *Config) { c.Postgres = dsn; c.Data = "" }
			}
			ts := startServer(t, t.TempDir(), edit)
			for _, name := range []string{"a%00b", "%ff%fe", strings.Repeat("x", 200)} {
				if code, body := get(t, ts.url+"/api/sessions/"+name); code != http.StatusBadRequest {
					t.Errorf("GET /api/sessions/%s: %d %s", name, code, body)
				}
				if code, body := get(t, ts.url+"/sync/"+name+"/notes"); code != http.StatusBadRequest {
					t.Errorf("GET /sync/%s/notes: %d %s", name, code, body)
				}
				if code, body := get(t, ts.url+"/sync/s/"+name); code != http.StatusBadRequest {
					t.Errorf("GET /sync/s/%s: %d %s", name, code, body)
				}
			}
			for _, title := range []string{"   ", strings.Repeat("t", 201), "a\u0000b"} {
				body := `{"title":"S","time_zone":"UTC","agenda":[{"id":"a","title":` + quote(title) + `,"minutes":5}]}`
				resp, err := http.Post(ts.url+"/api/sessions", "application/json", strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusBadRequest {
					t.Errorf("agenda title %q: %d, want 400", title, resp.StatusCode)
				}
			}
		})
	}
}

func quote(s string) string {
	b := strings.Builder{}
	b.WriteByte('"')
	for _, r := range s {
		if r < 0x20 {
			b.WriteString(`\u00` + "0123456789abcdef"[r>>4:r>>4+1] + "0123456789abcdef"[r&15:r&15+1])
			continue
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}
