// Package cluster holds the multi-process tests of cocreate: the real
// binary, built once, runs as several instances (separate OS processes on
// loopback ports) joined by a real redis-server through --redis and
// sharing one --data directory, while Go clients (package client) and
// stock y-websocket clients spread over them. The tests kill instances,
// restart Redis and cut the network between an instance and Redis, and
// check that every client converges and nothing typed is lost.
//
// Only its tests have code; the package itself is empty.
package cluster
