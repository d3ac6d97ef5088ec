// Package attack is the attack suite: Go tests that run a real `cocreate
// serve` process (built once by TestMain) and attack it as a hostile
// client would, asserting that the attacker is refused or cut off, that
// the server's memory stays within a stated bound (read from its
// /metrics), and that bystanders keep working and lose nothing.
//
// One file per attack (step1_test.go, awareness_test.go, …); the harness
// (server process, metrics, raw y-protocols peers) is harness_test.go.
// Latency of bystanders during attacks is measured by benchmarks
// (bench_test.go), never asserted by time in a test.
package attack
