package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// ErrPrivateTarget is the error of a connection refused because its
// address is not public.
var ErrPrivateTarget = errors.New("webhook: target address is private, loopback or otherwise not public")

// ErrBadURL is wrapped by CheckURL's errors.
var ErrBadURL = errors.New("webhook: bad URL")

// maxURLLen bounds a webhook's URL.
const maxURLLen = 2048

// CheckURL validates a webhook URL when it is subscribed: http or https,
// a host, no user info, no fragment; a literal address must be public
// unless allowPrivate. Names are checked again at every connection
// (Dialer), since what they resolve to can change.
func CheckURL(raw string, allowPrivate bool) error {
	if len(raw) > maxURLLen {
		return fmt.Errorf("%w: longer than %d bytes", ErrBadURL, maxURLLen)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Errorf("%w: %v", ErrBadURL, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%w: scheme must be http or https, not %q", ErrBadURL, u.Scheme)
	case u.Hostname() == "":
		return fmt.Errorf("%w: no host", ErrBadURL)
	case u.User != nil:
		return fmt.Errorf("%w: user info is not allowed; put credentials in the secret", ErrBadURL)
	case u.Fragment != "":
		return fmt.Errorf("%w: no fragment", ErrBadURL)
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil && !allowPrivate && !public(ip) {
		return fmt.Errorf("%w: %s", ErrPrivateTarget, ip)
	}
	return nil
}

// public reports whether ip is an address a webhook may reach: not
// loopback, private (RFC 1918, fc00::/7), link-local, unspecified,
// multicast, CGNAT (100.64/10) or another special-purpose range.
func public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range special {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// special are non-public ranges the netip predicates do not cover.
var special = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// Dialer returns a dialer that refuses non-public addresses (unless
// allowPrivate) at connect time: its Control function sees the address
// actually dialled, after name resolution, for every connection.
func Dialer(allowPrivate bool) *net.Dialer {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: cannot read address %q", ErrPrivateTarget, address)
			}
			if !public(ap.Addr()) {
				return fmt.Errorf("%w: %s", ErrPrivateTarget, ap.Addr())
			}
			return nil
		}
	}
	return d
}

// newClient is the HTTP client of deliveries: the guarded dialer, no
// proxy from the environment (it would bypass the address check), no
// redirects (a 3xx is a failed attempt), a timeout per attempt.
func newClient(allowPrivate bool, timeout time.Duration) *http.Client {
	d := Dialer(allowPrivate)
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy: nil,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				return d.DialContext(ctx, network, addr)
			},
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: timeout,
			MaxIdleConns:          16,
			IdleConnTimeout:       30 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
