// Command healthcheck is the container health probe of the cocreate image:
// the final image has no shell, curl or wget, so the Dockerfile's
// HEALTHCHECK runs this static binary. It GETs /readyz of the server in the
// same container and exits 0 on 200, 1 otherwise.
//
//	healthcheck [URL]
//
// Without URL it derives http://127.0.0.1:PORT/readyz from COCREATE_ADDR
// (default 127.0.0.1:8080), as cocreate serve reads it.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	url, err := target(os.Args[1:], os.Getenv("COCREATE_ADDR"))
	if err == nil {
		err = check(url, 3*time.Second)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "healthcheck:", err)
		os.Exit(1)
	}
}

// target returns the URL to probe: the one argument, or /readyz on the
// loopback address of the port in addr.
func target(args []string, addr string) (string, error) {
	switch len(args) {
	case 0:
	case 1:
		return args[0], nil
	default:
		return "", fmt.Errorf("usage: healthcheck [URL]; got %d arguments", len(args))
	}
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return "", fmt.Errorf("COCREATE_ADDR %q is not host:port", addr)
	}
	return "http://" + net.JoinHostPort("127.0.0.1", port) + "/readyz", nil
}

// check GETs url and wants 200 within timeout.
func check(url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s %q", url, resp.Status, body)
	}
	return nil
}
