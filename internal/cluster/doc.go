// Package cluster holds the multi-process tests of cocreate: the real
// binary, built once, runs as several instances (separate OS processes on
// loopback ports) joined by a real redis-server through --redis and
// sharing one --data directory, while Go clients (package client) and
// stock y-websocket clients spread over them. The tests kill instances,
// restart Redis and cut the network between an instance and Redis, and
// check that every client converges and nothing typed is lost. The same
// runs on a real three-primary Redis Cluster (redis+cluster://, sharded
// pub/sub), whose primaries are restarted one by one while clients type.
//
// Only its tests have code; the package itself is empty.
package cluster
