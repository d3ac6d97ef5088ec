package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/cocreate/cocreate/workspace"
)

// guestCookie keeps an open-dev-mode guest's identity across requests and
// reconnects of one browser or client.
const guestCookie = "cocreate_guest"

// Bounds of POST /api/tokens.
const (
	maxTokenTTL      = 365 * 24 * time.Hour
	maxTokenBodySize = 64 << 10
)

// tokenClaims are the claims of a cocreate token: sub, name and exp are
// required; roles maps session ids to roles.
type tokenClaims struct {
	Name  string          `json:"name"`
	Roles map[string]Role `json:"roles,omitempty"`
	jwt.RegisteredClaims
}

// authError answers with a JSON error {code, message}.
func authError(c echo.Context, status int, code, message string) error {
	if status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="cocreate"`)
	}
	return c.JSON(status, struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}{code, message})
}

// needsIdentity reports whether a request path is authenticated: the
// WebSocket endpoint and the REST API, except the token minting endpoint
// (it checks the admin key itself) and the API description.
func needsIdentity(p string) bool {
	switch p {
	case "/api/tokens", "/api/openapi.yaml":
		return false
	}
	return strings.HasPrefix(p, "/sync/") || strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/notes/")
}

// authenticate is the middleware that puts the caller's Identity in the
// echo context (identityKey). With --auth-secret it requires a valid
// token and answers 401 otherwise — before any WebSocket upgrade, since
// it runs before the handler. In open dev mode it gives every browser or
// client a guest identity kept in a cookie.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// The route and the raw path must both be exempt: an odd path
		// must not route to a handler while skipping authentication.
		if !needsIdentity(c.Path()) && !needsIdentity(c.Request().URL.Path) {
			return next(c)
		}
		if isFeedRead(c) {
			return next(c) // the feed token is the handler's to check
		}
		var id Identity
		if s.cfg.AuthSecret == "" {
			id = s.guest(c)
		} else {
			raw := bearerToken(c.Request())
			if raw == "" {
				s.metrics.Refused.WithLabelValues("no_token").Inc()
				return authError(c, http.StatusUnauthorized, "unauthorized", "a token is required: pass it as ?token= or Authorization: Bearer")
			}
			var err error
			id, err = s.verifyToken(raw)
			if err != nil {
				s.metrics.Refused.WithLabelValues("bad_token").Inc()
				return authError(c, http.StatusUnauthorized, "unauthorized", err.Error())
			}
		}
		// The profile's name and colour, wherever the person appears.
		id, err := s.ws.Resolve(c.Request().Context(), id)
		if err != nil {
			s.log.Warn("profile not read", "err", err)
			return authError(c, http.StatusServiceUnavailable, "store_unavailable", "the profile store is unavailable; try again")
		}
		c.Set(identityKey, id)
		return next(c)
	}
}

// bearerToken returns the token of ?token= or of an Authorization: Bearer
// header ("" if neither).
func bearerToken(r *http.Request) string {
	if t := r.URL.Query().Get("token"); t != "" {
		return t
	}
	return bearerHeader(r)
}

// verifyToken checks an HS256 token signed with --auth-secret and returns
// its identity. Its errors are safe to show the caller.
func (s *Server) verifyToken(raw string) (Identity, error) {
	var cl tokenClaims
	err := parseToken(raw, s.cfg.AuthSecret, &cl)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return Identity{}, errors.New("token expired")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return Identity{}, errors.New("token signature is invalid")
	case err != nil:
		return Identity{}, fmt.Errorf("invalid token: %v", err)
	}
	if cl.Subject == "" {
		return Identity{}, errors.New("invalid token: claim sub is missing")
	}
	if cl.Name == "" {
		return Identity{}, errors.New("invalid token: claim name is missing")
	}
	if err := workspace.CheckTokenRoles(cl.Roles); err != nil {
		return Identity{}, fmt.Errorf("invalid token: %v", err)
	}
	return Identity{Subject: cl.Subject, Name: cl.Name, Roles: cl.Roles, ExpiresAt: cl.ExpiresAt.Time}, nil
}

// guest returns the open-dev-mode identity of the caller, minting one
// (and setting its cookie) on the first request of a browser or client.
func (s *Server) guest(c echo.Context) Identity {
	var u uuid.UUID
	if ck, err := c.Cookie(guestCookie); err == nil {
		if parsed, err := uuid.Parse(ck.Value); err == nil {
			u = parsed
		}
	}
	if u == uuid.Nil {
		u = uuid.New()
		// On the 101 response of a WebSocket upgrade too: coder/websocket
		// writes the headers set so far.
		c.SetCookie(&http.Cookie{
			Name:     guestCookie,
			Value:    u.String(),
			Path:     "/",
			MaxAge:   int((365 * 24 * time.Hour).Seconds()),
			HttpOnly: true,
			Secure:   c.IsTLS(),
			SameSite: http.SameSiteLaxMode,
		})
	}
	// The cookie is a secret: the public subject is derived from it.
	sub := guestSubject(s.guestKey, u.String())
	return Identity{Subject: sub, Name: workspace.DefaultName(sub), Guest: true}
}

// checkOrigin applies --allowed-origins to a WebSocket upgrade (and, in
// open dev mode, to every state-changing request: hygiene). A request
// without an Origin is not from a browser and is allowed; the server's
// own host always is; other origins only when --allowed-origins lists
// them, in both modes.
func (s *Server) checkOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	patterns := s.cfg.originPatterns()
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return fmt.Errorf("Origin %q is not a URL with a host", origin)
	}
	if strings.EqualFold(u.Host, r.Host) {
		return nil
	}
	for _, p := range patterns {
		target := u.Host
		if strings.Contains(p, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(target)); ok {
			return nil
		}
	}
	return fmt.Errorf("Origin %q is not allowed (see --allowed-origins)", origin)
}

// tokenRequest is the body of POST /api/tokens.
type tokenRequest struct {
	Sub        string          `json:"sub"`
	Name       string          `json:"name"`
	TTLSeconds int64           `json:"ttl_seconds"`
	Roles      map[string]Role `json:"roles"`
}

// tokenResponse is the answer of POST /api/tokens.
type tokenResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// mintToken serves POST /api/tokens: the platform that embeds cocreate,
// holding --admin-key, gets a token for one of its users.
func (s *Server) mintToken(c echo.Context) error {
	if s.cfg.AuthSecret == "" {
		return authError(c, http.StatusNotFound, "auth_disabled", "token minting needs --auth-secret: this server runs in open dev mode, where everyone is a guest")
	}
	if s.cfg.AdminKey == "" {
		return authError(c, http.StatusNotFound, "minting_disabled", "token minting is off: start the server with --admin-key")
	}
	if !sameSecret(bearerHeader(c.Request()), s.cfg.AdminKey) {
		s.metrics.Refused.WithLabelValues("bad_admin_key").Inc()
		return authError(c, http.StatusUnauthorized, "unauthorized", "POST /api/tokens needs Authorization: Bearer <admin key>")
	}
	var req tokenRequest
	if err := decodeTokenBody(c, &req); err != nil {
		return authError(c, http.StatusBadRequest, "bad_request", err.Error())
	}
	ttl := time.Duration(req.TTLSeconds) * time.Second
	switch {
	case req.Sub == "":
		return authError(c, http.StatusBadRequest, "bad_request", "sub: must not be empty")
	case req.Name == "":
		return authError(c, http.StatusBadRequest, "bad_request", "name: must not be empty")
	case req.TTLSeconds <= 0 || ttl > maxTokenTTL:
		return authError(c, http.StatusBadRequest, "bad_request", fmt.Sprintf("ttl_seconds: %d is not in [1, %d]", req.TTLSeconds, int64(maxTokenTTL/time.Second)))
	}
	if err := workspace.CheckTokenRoles(req.Roles); err != nil {
		return authError(c, http.StatusBadRequest, "bad_request", err.Error())
	}
	now := time.Now()
	exp := now.Add(ttl).Truncate(time.Second)
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, tokenClaims{
		Name:  req.Name,
		Roles: req.Roles,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   req.Sub,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
	}).SignedString([]byte(s.cfg.AuthSecret))
	if err != nil {
		return fmt.Errorf("sign token: %w", err)
	}
	return c.JSON(http.StatusOK, tokenResponse{Token: tok, ExpiresAt: exp.UTC()})
}

// bearerHeader returns the credential of an Authorization: Bearer header.
func bearerHeader(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// sameSecret compares in constant time (of the digests, so the length of
// the secret does not leak either).
func sameSecret(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return got != "" && subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// decodeTokenBody decodes one JSON value of at most maxTokenBodySize bytes
// into v; unknown fields and trailing data are errors.
func decodeTokenBody(c echo.Context, v any) error {
	body := http.MaxBytesReader(c.Response(), c.Request().Body, maxTokenBodySize)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fmt.Errorf("body is over %d bytes", maxTokenBodySize)
		}
		if errors.Is(err, io.EOF) {
			return errors.New("body is empty; want a JSON object")
		}
		return fmt.Errorf("invalid JSON body: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("invalid JSON body: data after the object")
	}
	return nil
}
