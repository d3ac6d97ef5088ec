package server

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Tokens whose time claims golang-jwt alone would accept are refused
// with 401 and a message naming the claim.
func TestTokenTimeClaims(t *testing.T) {
	ts := startServer(t, t.TempDir(), withAuth)
	exp := time.Now().Add(time.Hour).Unix()
	tests := []struct {
		name   string
		claims jwt.MapClaims
		want   string // in the message; "" = accepted
	}{
		{"iat in the future", jwt.MapClaims{"sub": "ann", "name": "Ann", "exp": exp, "iat": time.Now().Add(time.Hour).Unix()}, "claim iat"},
		{"exp as a numeric string", jwt.MapClaims{"sub": "ann", "name": "Ann", "exp": strconv.FormatInt(exp, 10)}, "claim exp must be a number"},
		{"exp as a word", jwt.MapClaims{"sub": "ann", "name": "Ann", "exp": "tomorrow"}, "claim exp must be a number"},
		{"iat as a string", jwt.MapClaims{"sub": "ann", "name": "Ann", "exp": exp, "iat": strconv.FormatInt(time.Now().Unix(), 10)}, "claim iat must be a number"},
		{"iat slightly ahead (clock skew)", jwt.MapClaims{"sub": "ann", "name": "Ann", "exp": exp, "iat": time.Now().Add(20 * time.Second).Unix()}, ""},
		{"iat now", jwt.MapClaims{"sub": "ann", "name": "Ann", "exp": exp, "iat": time.Now().Unix()}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, ts.url+"/api/me", nil)
			req.Header.Set("Authorization", "Bearer "+sign(t, jwt.SigningMethodHS256, testSecret, tt.claims))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if tt.want == "" {
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("got %d %s, want 200", resp.StatusCode, body)
				}
				return
			}
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), tt.want) || !strings.Contains(string(body), `"unauthorized"`) {
				t.Fatalf("got %d %s, want 401 naming %q", resp.StatusCode, body, tt.want)
			}
		})
	}
}
