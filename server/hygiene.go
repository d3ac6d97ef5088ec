package server

import (
	"errors"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// htmlCSP is the policy of an HTML answer that sets none of its own
// (rendered notes, error pages): no scripts, nothing loaded but images
// and inline styles, never framed.
const htmlCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src http: https: data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// hygiene is the middleware every request passes first:
//
//   - headers: X-Content-Type-Options nosniff and Referrer-Policy
//     same-origin on every answer; on every HTML answer a CSP (htmlCSP
//     unless the handler set its own) that forbids framing, and
//     X-Frame-Options DENY for browsers without CSP;
//   - timeouts: the http.Server's read and write deadlines cover every
//     request, but a WebSocket upgrade clears them, since the socket
//     lives on (the hub has its own keepalive and write timeout);
//   - in open dev mode, where the guest cookie is the only credential and
//     a browser sends it anywhere, a state-changing request needs an
//     allowed Origin (or none: not a browser; checkOrigin) and a body, if
//     any, of type application/json: a form or text/plain post from
//     another site (cross-site request forgery) is refused.
func (s *Server) hygiene(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		res := c.Response()
		h := res.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		res.Before(func() {
			if !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				return
			}
			switch csp := h.Get("Content-Security-Policy"); {
			case csp == "":
				h.Set("Content-Security-Policy", htmlCSP)
			case !strings.Contains(csp, "frame-ancestors"):
				h.Set("Content-Security-Policy", csp+"; frame-ancestors 'none'")
			}
			h.Set("X-Frame-Options", "DENY")
		})
		r := c.Request()
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			rc := http.NewResponseController(res.Writer)
			// Errors only mean the writer cannot set deadlines (tests'
			// recorders); a real connection can.
			_ = rc.SetReadDeadline(time.Time{})
			_ = rc.SetWriteDeadline(time.Time{})
		}
		if s.cfg.AuthSecret == "" && changesState(r.Method) {
			if err := s.checkOrigin(r); err != nil {
				s.metrics.Refused.WithLabelValues("bad_origin").Inc()
				return jsonError(c, http.StatusForbidden, "forbidden_origin", err.Error())
			}
			if hasBody(r) {
				mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
				if mt != "application/json" {
					s.metrics.Refused.WithLabelValues("bad_content_type").Inc()
					return jsonError(c, http.StatusUnsupportedMediaType, "unsupported_media_type",
						"send the body as Content-Type: application/json, not "+quoteOr(r.Header.Get("Content-Type"), "none"))
				}
			}
		}
		return next(c)
	}
}

func changesState(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

func hasBody(r *http.Request) bool {
	return r.ContentLength > 0 || len(r.TransferEncoding) > 0
}

func quoteOr(s, none string) string {
	if s == "" {
		return none
	}
	return `"` + s + `"`
}

// metricsHandler serves /metrics on the main listener: nowhere when
// --metrics-addr gives it a listener of its own, behind the admin key
// when auth is on, open in dev mode.
func (s *Server) metricsHandler(preg *prometheus.Registry) echo.HandlerFunc {
	prom := echo.WrapHandler(promhttp.HandlerFor(preg, promhttp.HandlerOpts{}))
	return func(c echo.Context) error {
		switch {
		case s.cfg.MetricsAddr != "":
			return jsonError(c, http.StatusNotFound, "not_found", "metrics are served on --metrics-addr, not here")
		case s.cfg.AuthSecret == "":
			return prom(c)
		case s.cfg.AdminKey == "":
			return jsonError(c, http.StatusNotFound, "not_found", "with --auth-secret, metrics need --metrics-addr or --admin-key")
		case !sameSecret(bearerHeader(c.Request()), s.cfg.AdminKey):
			s.metrics.Refused.WithLabelValues("bad_admin_key").Inc()
			return authError(c, http.StatusUnauthorized, "unauthorized", "GET /metrics needs Authorization: Bearer <admin key> (or use --metrics-addr)")
		}
		return prom(c)
	}
}

// serveMetrics runs the --metrics-addr listener until stop is closed.
func (s *Server) serveMetrics(preg *prometheus.Registry) (stop func()) {
	if s.cfg.MetricsAddr == "" {
		return func() {}
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(preg, promhttp.HandlerOpts{}))
	srv := &http.Server{Addr: s.cfg.MetricsAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("metrics listener", "addr", s.cfg.MetricsAddr, "err", err)
		}
	}()
	return func() {
		srv.Close()
		<-done
	}
}
