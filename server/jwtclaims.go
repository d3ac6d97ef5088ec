package server

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// maxClockSkew is how far in the future a token's iat may be: a
// platform's clock a little ahead of ours is not an attack, a token
// issued an hour from now is.
const maxClockSkew = time.Minute

// numericDates refuses what golang-jwt lets through or reports obscurely:
// numeric date claims written as JSON strings (its NumericDate accepts
// "1893456000", quoted, and answers "invalid number literal" for any
// other string). The errors are safe to show the caller: they describe
// the caller's own token.
func numericDates(raw string) error {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return errors.New("invalid token: not three dot-separated parts")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return errors.New("invalid token: the payload is not base64url")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(payload, &fields); err != nil {
		return errors.New("invalid token: the payload is not a JSON object")
	}
	for _, name := range []string{"exp", "iat", "nbf"} {
		v, ok := fields[name]
		if !ok {
			continue
		}
		var seconds float64
		if json.Unmarshal(v, &seconds) != nil {
			return fmt.Errorf("invalid token: claim %s must be a number of seconds since 1970 (NumericDate), not %s", name, v)
		}
	}
	return nil
}

// parseToken verifies raw's HS256 signature with secret and its claims:
// exp required, every date a number, iat not in the future.
func parseToken(raw, secret string, cl *tokenClaims) error {
	if err := numericDates(raw); err != nil {
		return err
	}
	_, err := jwt.ParseWithClaims(raw, cl, func(*jwt.Token) (any, error) {
		return []byte(secret), nil
	}, jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithExpirationRequired())
	if err != nil {
		return err
	}
	if cl.IssuedAt != nil && cl.IssuedAt.After(time.Now().Add(maxClockSkew)) {
		return fmt.Errorf("invalid token: claim iat (%s) is in the future", cl.IssuedAt.UTC().Format(time.RFC3339))
	}
	return nil
}
