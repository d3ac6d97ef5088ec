// Package meeting is the live meeting state machine: it applies commands
// (agenda, timer, raised hands, polls, roles, attendance, lifecycle) to the
// {session}/meeting document, a crdt.Doc that only the server writes, as
// its own CRDT peer. It is pure logic: no HTTP, sockets, goroutines or
// clock (the caller passes now). The caller owns the doc, serialises
// calls, and sends the updates the doc emits (OnUpdate) to clients;
// package workspace is that caller. It also holds what the rest of
// cocreate shares about meetings: the one Role type, the one session
// lifecycle (Transition: scheduled → live → ended, used by the stored
// record too) and the limits of what people type (CheckText,
// CheckAgendaItem), which the REST API applies as well, and Attendance,
// how many people a meeting document lists (the attendance quota).
//
// Usage:
//
//	m := meeting.New(doc, meeting.Options{Title: "Weekly call", Host: "alice"})
//	cmd, err := meeting.DecodeCommand(body) // strict JSON
//	res, err := m.Apply(cmd, meeting.Actor{Subject: "alice", Role: meeting.RoleHost}, time.Now())
//	// err is a *meeting.Error {code, message} with an HTTP Status;
//	// on error the document is unchanged. Every command is one transaction.
//
// # Document layout (for client authors)
//
// All times are unix milliseconds, numbers are integers.
//
//	session       Y.Map   title, state ("scheduled"|"live"|"ended"), host
//	                      (subject), startedAt, endedAt
//	agenda        Y.Array of Y.Map: id, title, minutes (planned),
//	                      done (bool), spentSeconds (time it was current)
//	current       Y.Map   item (agenda id), since (when it became current);
//	                      empty when no item is current
//	timer         Y.Map   state ("idle"|"running"|"paused"), durationMs,
//	                      endsAt (only while running: count down locally
//	                      to it), remainingMs (while paused: what is left;
//	                      idle: the full duration)
//	hands         Y.Array of Y.Map: subject, name, raisedAt — the queue,
//	                      in the order the server received the raises
//	polls         Y.Map   poll id → Y.Map: id, question, options (array
//	                      of strings), multiple, anonymous, state
//	                      ("open"|"closed"), hidden (counts stay zero
//	                      until close), counts (votes per option),
//	                      voters (number of ballots), votes (Y.Map subject
//	                      → array of option indices; absent for anonymous
//	                      polls), sealed (anonymous polls, with a
//	                      BallotKey: Y.Map opaque voter id → option
//	                      indices), results (counts frozen at close)
//	participants  Y.Map   subject → Y.Map: name, role, joinedAt, leftAt
//	                      (absent while present)
//
// # Commands
//
// JSON objects {"type": ..., fields}. Unknown fields are an error.
//
//	agenda.add       title, minutes?, id?, index?     host, cohost
//	agenda.edit      id, title?, minutes?, done?      host, cohost
//	agenda.move      id, index                        host, cohost
//	agenda.remove    id                               host, cohost
//	agenda.next      (marks current done)             host, cohost
//	agenda.previous                                   host, cohost
//	agenda.goto      id                               host, cohost
//	timer.start      durationMs                       host, cohost
//	timer.pause / timer.resume / timer.reset          host, cohost
//	hand.raise                                        host, cohost, member
//	hand.lower       subject? (empty: own hand)       own: not viewer; others: host, cohost
//	hand.lowerAll / hand.next                         host, cohost
//	poll.create      question, options, multiple?, anonymous?, hidden?, id?  host, cohost
//	poll.vote        id, choices                      host, cohost, member
//	poll.close       id                               host, cohost
//	role.set         subject, role (cohost|member|viewer)  host; cohost for member↔viewer
//	participant.join / participant.leave              everyone (the actor itself)
//	session.start / session.end                       host, cohost
//
// Viewers only read: they may join and leave, but not raise hands or vote.
// Only the host makes or unmakes co-hosts, and nobody changes the host's
// role. Changing the current agenda item adds the whole seconds it was
// current to its spentSeconds. session.end books the current item, stops
// the timer, closes open polls and records leftAt for those present.
//
// role.set needs the subject to have joined (participants); the caller
// applies the new role to that person's live connections. session.start
// makes the first agenda item current. After session.end, moving through
// the agenda (next, previous, goto) and starting or resuming the timer
// are refused (conflict); the other commands keep working, for
// asynchronous follow-up.
//
// Numbers above 2^31 (the unix-millisecond times) travel as float64, as
// yjs encodes them; read them as numbers, not as a particular Go type.
//
// A hidden poll publishes its turnout (voters) while open but not its
// counts; its ballots are kept as an anonymous poll's are, and closing it
// tallies them into counts and results. Its per-person votes are never
// published.
//
// Each identity has one ballot per poll, replaced by a later vote until
// the poll closes. Ballots are rebuilt from the document by New: from
// votes for named polls, and for anonymous polls from sealed, where the
// voter is an HMAC of poll id and subject under Options.BallotKey, a
// server secret. Without a BallotKey, anonymous ballots live only in
// memory (Options.Ballots) and are lost with it.
package meeting
