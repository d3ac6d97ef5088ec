// Package hub runs the live side of cocreate: one hub per open document,
// the registry of live documents, connection fan-out, awareness relay and
// the hand-off of applied updates to notes.Store, and the Bus that carries
// updates and awareness between instances (bus.go: MemoryBus in-process,
// the default; RedisBus over Redis pub/sub with --redis, sharded pub/sub
// on a Redis Cluster: bus_redis_cluster.go).
//
// # Concurrency model
//
// Registry (registry.go) maps document names to rooms under one mutex,
// held only to look a room up, create it, or count references. Each room
// (room.go) is one goroutine, its run loop, fed through a bounded inbox;
// it alone owns the crdt.Doc, the set of member connections, the
// awareness table (awareness.go) and the list of updates not yet stored.
// Nothing else touches them, so none of them has a lock.
//
// Each connection (conn.go) has one reader goroutine at a time: the
// goroutine that called Registry.Serve, or, with Registry.Start, one the
// connection started (with a Transport that is a Waiter, a fresh one
// each time the reader has to wait for the peer: it waits, reads while
// input is ready, then starts the next and ends). Its writer exists only
// while messages are queued: the push that finds the bounded outbound
// queue non-empty and no writer running starts one, and it ends when the
// queue is empty again. Keepalive pings (every PingInterval, driven by the
// room's one ticker; an unanswered ping closes the connection) and the
// close handshake also run in short-lived goroutines. The connection
// counts them and waits for all of them before Serve returns (or
// Start's done is called). An idle connection thus costs one goroutine
// stack, not two.
// A connection's read-only state is owned by the run loop too:
// Registry.SetReadOnly sends the room an event and waits for it to be
// applied, so a role change holds from the next update on; it also
// tells the other instances (a busAccess message on the control
// channel), whose rooms apply it as soon as it arrives. Registry.Revoke
// travels the same way and closes the person's connections instead
// (1008, "access revoked"), the meeting document's too. A
// connection with ConnOptions.ExpiresAt has a time.AfterFunc timer that
// closes it (1008, "token expired"); the timer is stopped when the
// connection ends.
// The run loop never blocks on a connection: it enqueues without waiting
// (queue.go). A queue is bounded in messages (QueueSize) and in update
// bytes (QueueBytes); broadcast updates are one slice shared by every
// queue, so together they hold at most QueueBytes of them. The writer
// takes everything queued at once and coalesces it: updates merged into
// one (crdt.MergeUpdates: the receiver's document ends the same),
// awareness reduced to the latest state per client id; a Transport that
// can (BatchWriter) writes the batch with one system call. An update that
// does not fit is not lost and the connection is not closed: its queued
// updates are dropped and replaced by one diff (a resync, sync.go) from
// the state vector the connection is known to have — the one it
// announced in its step 1, advanced to the document's state whenever
// every update queued before has been taken by the writer. Only a queue
// full of messages that cannot be merged (command answers) closes the
// connection (1013), and a peer that reads nothing for WriteTimeout is
// closed (a Transport may report progress within a long write,
// ProgressReporter, so a slow but reading peer is not). A reader blocks
// on a full inbox, which is back-pressure on that socket only.
//
// Sync step 1 answers come from a cache per document revision (sync.go):
// the whole state, encoded once per change and shared, answers empty or
// unrelated state vectors; diffs for others are cached too, and once the
// diffs encoded for one revision add up to the document's size, or those
// queued for single connections exceed RoomQueueBytes, answers are the
// shared whole state. A queued answer is replaced by a newer one. So a
// flood of step 1s costs no memory and about one encoding per change.
//
// Every message type has a per-connection rate (Rates, limits.go; a
// token bucket the reader keeps without a lock): beyond it the
// connection is closed (1008) and the refusal counted by type. Awareness
// is governed in the run loop (awareness.go): a connection controls one
// awareness client id (the first it uses; entries for others are dropped
// and counted), a state may not exceed MaxAwarenessState bytes, and
// ConnOptions.User is stamped on its states (user.name, user.color)
// before they are relayed, so presence cannot be spoofed.
//
// An idle connection's reader waits in Transport.Read with a shallow
// stack (set-up, tear-down and message handling are in functions of
// their own), so the runtime shrinks its stack to 4 KiB; with Start and
// a Waiter it waits in a goroutine that has never handled a message,
// whose stack is the runtime's smallest, 2 KiB.
// Each room also has a persister goroutine (persist.go) that writes
// batches to the store, so the run loop never waits for the disk except
// when it stores the document before unloading and on shutdown.
//
// A message travels: socket → reader (yproto.Decode; malformed input
// closes the connection, 1007) → inbox → run loop (crdt.Doc.ApplyUpdate;
// an invalid update closes that connection and changes nothing) → the
// doc's update event → one encoded update message enqueued to every
// member, the sender included, as the y-websocket server does → appended
// to the pending list → handed to the persister every FlushInterval
// (200ms by default) → notes.Store.Append. An applied update is therefore
// durable within FlushInterval plus one store write (under 1s); clients
// re-send anything newer when they reconnect and re-sync.
//
// When the store refuses writes (PostgreSQL down, a full disk) the
// persister keeps the batch and retries it with the next flush; the
// document is counted as unsaved (Registry.StoreErr, the
// cocreate_unsaved_docs gauge) until a write succeeds, and the room
// stays loaded. At shutdown a batch the store still refuses is written to
// the spool (spool.go: a local write-ahead file in Config.SpoolDir,
// fsynced), which ReplaySpool stores on the next start before the server
// serves; a document that can be neither stored nor spooled makes Close
// return ErrUnsaved naming it.
//
// Lifetimes: a room holds a reference count (under the registry mutex)
// of Serve calls that joined it. When its last member leaves it stores
// and compacts the document, then removes itself from the registry unless
// a connection is joining; when the store refuses that write, the room
// stays loaded and tries again on every tick until it succeeds.
// Registry.Close makes every room close its
// connections with 1001 "going away", store, and exit once no Serve or
// Do holds it (a connection whose join was still queued is closed when
// the room reads it), and waits for the rooms and every Serve call:
// http.Server.Shutdown does not wait for hijacked WebSocket
// connections, so the server must call it.
//
// Registry.Do runs a function on a document inside its room's goroutine
// (loading the document if needed, unloading it afterwards when nobody is
// connected): that is how the server writes as its own CRDT peer, with
// Config.ClientID as its client id, and its changes travel like a
// client's update. The meeting state machine (what commands do to
// {session}/meeting) is the package meeting, driven by package
// workspace through Do. Registry.DeleteSession refuses a session from then
// on, closes its connections (1008), tells the other instances to do the
// same (a busGone message on the control channel every instance
// subscribes to) and waits for its rooms to unload; the rooms of a
// deleted session store nothing more, so no instance writes its
// documents back after the store has deleted them. A connection's command messages (yproto.TypeCommand) are
// answered by ConnOptions.OnCommand in its reader; ConnOptions.AllowUpdate
// rate-limits its updates; ConnOptions.OnUpdate is told by the run loop
// of each of its updates, applied or refused as read-only (the
// Hocuspocus endpoint's SyncStatus). A ConnOptions.SavedAcks connection
// is sent a saved message (yproto.TypeSaved) with the state vector of
// what the store holds: on joining, and after a persister write stored
// more — the persister publishes the state vector the room cut the batch
// at (persister.stored, an atomic) and the run loop's tick sends it on
// (room.announceSaved), at most once a tick, nothing while writes fail.
// Config.Validate (validate.go) may
// refuse a connection's update before it is applied (the server keeps
// the notes inside the editor's schema with it), with "permission denied"
// and nothing applied, sent or stored. Config.MaxSessionBytes (quota.go)
// bounds the bytes of a session's documents together, checked there too.
// A read-only connection's sync step 2 that holds
// nothing new is dropped quietly (crdt.Doc.Changes); only a real edit gets
// "permission denied". Config.OnSnapshot hands a changed document's
// whole state to the server (for the search index and automatic
// versions) at most every SnapshotEvery while it is loaded and when it
// unloads, never for a deleted session; Config.OnStored shows it the
// loaded document (in the run loop, to read) after the persister stored
// more of it, at most once a tick (the server follows task items so).
//
// # Between instances
//
// Every loaded document is subscribed to its bus channel ("doc:" + name)
// from the moment its room is created until it unloads (both under the
// registry mutex, so a room that replaces an unloading one subscribes
// after the old one unsubscribed). Bus messages carry the sender's
// instance id (a UUID per Registry); an instance ignores its own. The
// bus's goroutines hand each message to the room as an event in its
// inbox without blocking (a full inbox drops it and marks the room to
// heal); the run loop applies it like a client's:
//
//   - an update a local client sent is applied, sent to the local
//     connections and published (bus_sync.go); one from the bus is applied
//     (origin fromBus) and sent to the local connections, never published
//     again;
//   - awareness from a local client is published; awareness from the bus
//     is relayed to local connections and expires like any other entry
//     after AwarenessTimeout (30s) unless renewed, so the clients of a
//     dead instance vanish and their removal is broadcast;
//   - healing: when its subscription becomes active (first time and after
//     every reconnection) and every SyncInterval (5s) a room publishes its
//     state vector and a digest of its delete set (a sync step 1). A peer
//     that has more, or other deletions, answers with the diff
//     (crdt EncodeStateAsUpdate against that state vector) addressed to
//     the sender, and asks in turn when the sender has more. The first
//     message after a subscription also asks for the peers' clients'
//     awareness. So a lost message, a Redis restart or a partition heals
//     within SyncInterval of the bus working again.
//
// A Registry given no Bus is alone (one instance): it publishes nothing.
//
// Every instance appends every update it applies, its own and those from
// the bus, to the store: a shared store (one SQLite file, later
// PostgreSQL) receives each update once per live instance, which
// compaction folds away, and an update survives the crash of the
// instance that accepted it as soon as any instance has stored it.
//
// A Registry probes its bus: every CheckInterval it publishes a probe on
// its own check channel and notes when it comes back; BusErr (the
// server's /readyz) reports the bus's connection error or a probe
// missing for CheckTimeout; while probes stay lost it makes a bus that
// can (RedisBus.Reconnect) open a fresh subscriber connection, since
// go-redis notices a broken connection but not a silent one (on a Redis
// Cluster the probe crosses only its own channel's shard, so a silent
// link to another shard goes unseen there; a failing one is seen). Local
// clients keep working while the bus is down. The bus and the probe start on first use (Serve, BusErr or
// StartBus), so New starts no goroutine; Close stops them and closes the
// bus after the rooms.
//
// RedisLock (lock_redis.go) runs sections one at a time across
// instances, renewing its lock while held; package workspace uses it
// for meeting commands. With RedisBus it is the only code that speaks
// to Redis.
//
// The hub knows no HTTP (that is package server), no SQL (that is
// package notes) and no people: subjects and session prefixes are only
// names it matches connections and documents by.
package hub
