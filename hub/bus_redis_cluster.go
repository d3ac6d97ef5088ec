package hub

import (
	"context"
	"fmt"
	"hash/fnv"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// This file turns a --redis URL into a go-redis client, one server or a
// Redis Cluster, and names the bus's channels on a cluster.
//
// On a cluster the bus uses sharded pub/sub (SPUBLISH/SSUBSCRIBE, Redis
// ≥ 7): a channel lives on the shard that owns its hash slot, so the
// traffic of many documents spreads over the shards instead of every
// message crossing every node. go-redis's ClusterClient.SSubscribe does
// not route per channel: one PubSub is one connection, pinned to the
// shard of the first channel it subscribes, and when it reconnects it
// subscribes every channel again in one SSUBSCRIBE, which Redis refuses
// (CROSSSLOT) unless they share a slot. So the bus gives every channel a
// hash tag, one of clusterBuckets buckets chosen by hashing the channel,
// and keeps one PubSub per bucket in use: its channels share one slot,
// its reconnection goes to that slot's current primary, and an instance
// holds at most clusterBuckets subscriber connections.

// clusterBuckets is the number of hash tags channels are spread over on a
// cluster. All instances of a deployment must agree on it (it is part of
// the channel names); more buckets spread better over many shards but
// cost more subscriber connections per instance.
const clusterBuckets = 128

// Schemes of a --redis URL that names a cluster.
const (
	clusterScheme    = "redis+cluster://"
	clusterSchemeTLS = "rediss+cluster://"
)

// IsRedisClusterURL reports whether url names a Redis Cluster
// (redis+cluster:// or rediss+cluster://).
func IsRedisClusterURL(url string) bool {
	return strings.HasPrefix(url, clusterScheme) || strings.HasPrefix(url, clusterSchemeTLS)
}

// NewRedisClient returns the go-redis client a --redis URL names, not yet
// connected: a ClusterClient for
// redis+cluster://[user:password@]host:port,host:port,…[?options] (rediss+cluster://
// for TLS; any of the nodes is enough to find the others), a Client for
// redis://[user:password@]host:port[/db] (rediss:// for TLS). Options in
// the query are go-redis's (dial_timeout=…). It fails fast while Redis
// is away (short timeouts, one retry): its callers drop and heal, or
// answer an error, rather than wait. The bus and the meeting lock share
// this one constructor, so both reach the same deployment the same way.
func NewRedisClient(rawURL string) (redis.UniversalClient, error) {
	if IsRedisClusterURL(rawURL) {
		co, err := parseClusterURL(rawURL)
		if err != nil {
			return nil, err
		}
		co.MaxRetries = 1
		co.DialTimeout, co.ReadTimeout, co.WriteTimeout = 2*time.Second, 2*time.Second, 2*time.Second
		return redis.NewClusterClient(co), nil
	}
	ro, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	ro.MaxRetries = 1
	ro.DialTimeout, ro.ReadTimeout, ro.WriteTimeout = 2*time.Second, 2*time.Second, 2*time.Second
	return redis.NewClient(ro), nil
}

// RedisURLDB returns the database number a --redis URL selects (always 0
// on a cluster, which has no other).
func RedisURLDB(rawURL string) (int, error) {
	if IsRedisClusterURL(rawURL) {
		if _, err := parseClusterURL(rawURL); err != nil {
			return 0, err
		}
		return 0, nil
	}
	ro, err := redis.ParseURL(rawURL)
	if err != nil {
		return 0, fmt.Errorf("redis url: %w", err)
	}
	return ro.DB, nil
}

// parseClusterURL reads redis+cluster://user:pw@h1:p1,h2:p2/?opts into
// go-redis's form, redis://user:pw@h1:p1?addr=h2:p2&opts.
func parseClusterURL(rawURL string) (*redis.ClusterOptions, error) {
	scheme, rest := "redis://", strings.TrimPrefix(rawURL, clusterScheme)
	if strings.HasPrefix(rawURL, clusterSchemeTLS) {
		scheme, rest = "rediss://", strings.TrimPrefix(rawURL, clusterSchemeTLS)
	}
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	path, query, _ := strings.Cut(tail, "?")
	if path != "" && path != "/" && path != "/0" {
		return nil, fmt.Errorf("redis cluster url: database %q: a cluster has only database 0", strings.TrimPrefix(path, "/"))
	}
	userinfo, hosts := "", authority
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		userinfo, hosts = authority[:i+1], authority[i+1:]
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("redis cluster url: query: %w", err)
	}
	var first string
	for h := range strings.SplitSeq(hosts, ",") {
		if _, _, err := net.SplitHostPort(h); err != nil {
			return nil, fmt.Errorf("redis cluster url: node %q is not host:port", h)
		}
		if first == "" {
			first = h
		} else {
			q.Add("addr", h)
		}
	}
	co, err := redis.ParseClusterURL(scheme + userinfo + first + "?" + q.Encode())
	if err != nil {
		return nil, fmt.Errorf("redis cluster url: %w", err)
	}
	return co, nil
}

// CheckRedisPrefix reports whether p may prefix the bus's channel names
// and lock keys: printable, no spaces, no braces (they would make a hash
// tag on a cluster) and at most 64 bytes.
func CheckRedisPrefix(p string) error {
	if len(p) > 64 {
		return fmt.Errorf("%d bytes is longer than 64", len(p))
	}
	for _, r := range p {
		if r <= ' ' || r == 0x7f || r == '{' || r == '}' {
			return fmt.Errorf("%q holds %q; use letters, digits and punctuation other than braces", p, r)
		}
	}
	return nil
}

// bucket returns the bucket of a bus channel: 0 on one server, its hash
// tag on a cluster.
func (b *RedisBus) bucket(channel string) int {
	if !b.cluster {
		return 0
	}
	h := fnv.New32a()
	h.Write([]byte(channel))
	return int(h.Sum32() % clusterBuckets)
}

// redisName returns the Redis channel of a bus channel: the prefix, on a
// cluster the bucket's hash tag, then the channel.
func (b *RedisBus) redisName(channel string) string {
	if !b.cluster {
		return b.opts.Prefix + channel
	}
	return b.opts.Prefix + "{" + strconv.Itoa(b.bucket(channel)) + "}" + channel
}

// busChannel is redisName's inverse; ok is false for a name that is not
// this bus's.
func (b *RedisBus) busChannel(name string) (string, bool) {
	ch, ok := strings.CutPrefix(name, b.opts.Prefix)
	if !ok || !b.cluster {
		return ch, ok
	}
	tag, ch, ok := strings.Cut(ch, "}")
	if !ok || !strings.HasPrefix(tag, "{") {
		return "", false
	}
	return ch, true
}

// awaitSlotView waits (up to 5s) until go-redis's view of the cluster
// names the primary that really owns name's slot, after the slot moved:
// a node that no longer owns it answers MOVED, and a subscription sent
// there would be lost without a word (go-redis's subscriber drops the
// error and keeps the connection).
func (b *RedisBus) awaitSlotView(name string) {
	cc, ok := b.client.(*redis.ClusterClient)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		node, err := cc.MasterForKey(ctx, name)
		if err == nil {
			err = node.Exists(ctx, name).Err()
			if _, moved := redis.IsMovedError(err); !moved {
				return
			}
		}
		cc.ReloadState(ctx) // in the background
		select {
		case <-ctx.Done():
			b.log.Warn("the cluster's slot map did not settle; subscribing anyway", "channel", name, "err", err)
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}
