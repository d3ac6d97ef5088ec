// Package attack is cocreate's attack suite: Go tests that run the real
// binary as a process and attack it as a hostile client would — slow
// HTTP bodies and idle keep-alives, forged Origins on HTTP and WebSocket,
// and more (see each test file) — asserting that the attacker is refused
// or cut off and that a bystander keeps being served.
//
// Only its tests have code; the package itself is empty.
package attack
