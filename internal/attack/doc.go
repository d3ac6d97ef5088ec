// Package attack is the attack suite: Go tests that run a real `cocreate
// serve` process and attack it as a hostile client would — sync step 1,
// query-awareness and awareness floods, oversized and spoofed awareness,
// slow readers, slow HTTP bodies and idle keep-alives, forged Origins on
// HTTP and WebSocket, document, session and fresh-cookie spam, the notes
// schema poison — asserting that the attacker is refused or cut off, that
// the server's memory stays within a stated bound (read from its
// /metrics), and that bystanders keep working and lose nothing.
//
// One file per kind of attack (http_hygiene_test.go: abusive HTTP
// clients and spam); the harness (server process, metrics, raw
// y-protocols peers, and the attacks the benchmark runs) is
// harness_test.go. Every attack test is wrapped in
// guard/check (bystander_test.go): a document a stock yjs client wrote
// before the attack must read back identical through a fresh stock yjs
// client after it, and the server's heap must peak within the test's
// stated bound. Latency of bystanders during
// attacks is measured by benchmarks (BenchmarkBystander), never asserted by
// time in a test. Only its tests have code; the package itself is empty.
package attack
