package meeting

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cocreate/cocreate/crdt"
)

// Role is what an actor may do in a session.
type Role string

// The roles, most powerful first.
const (
	RoleHost   Role = "host"
	RoleCoHost Role = "cohost"
	RoleMember Role = "member"
	RoleViewer Role = "viewer"
)

func (r Role) valid() bool {
	return r == RoleHost || r == RoleCoHost || r == RoleMember || r == RoleViewer
}

// runs reports whether r may run the meeting (agenda, timer, queue, polls).
func (r Role) runs() bool { return r == RoleHost || r == RoleCoHost }

// takesPart reports whether r may raise a hand and vote; viewers only read.
func (r Role) takesPart() bool { return r.runs() || r == RoleMember }

// Actor is the server-verified identity behind a command.
type Actor struct {
	Subject string
	Name    string
	Role    Role
}

// Error is a command refused; nothing was changed. Status is the HTTP
// status that fits it.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Status  int    `json:"-"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Error codes.
const (
	CodeBadRequest = "bad_request"
	CodeForbidden  = "forbidden"
	CodeNotFound   = "not_found"
	CodeConflict   = "conflict"
)

func badRequest(format string, a ...any) *Error {
	return &Error{CodeBadRequest, fmt.Sprintf(format, a...), 400}
}
func forbidden(format string, a ...any) *Error {
	return &Error{CodeForbidden, fmt.Sprintf(format, a...), 403}
}
func notFound(format string, a ...any) *Error {
	return &Error{CodeNotFound, fmt.Sprintf(format, a...), 404}
}
func conflict(format string, a ...any) *Error {
	return &Error{CodeConflict, fmt.Sprintf(format, a...), 409}
}

// Command is one request to change the meeting. Type selects the command;
// the other fields are its arguments (see the package doc).
type Command struct {
	Type string `json:"type"`

	// ID names an agenda item or a poll. Optional for agenda.add and
	// poll.create (the server picks one).
	ID      string `json:"id,omitempty"`
	Title   string `json:"title,omitempty"`
	Minutes *int   `json:"minutes,omitempty"`
	Done    *bool  `json:"done,omitempty"`
	// Index is the target position of agenda.add and agenda.move.
	Index *int `json:"index,omitempty"`

	DurationMs int64 `json:"durationMs,omitempty"`

	// Subject is the person a hand.lower or role.set is about; empty
	// for hand.lower means the actor.
	Subject string `json:"subject,omitempty"`
	Role    Role   `json:"role,omitempty"`

	Question  string   `json:"question,omitempty"`
	Options   []string `json:"options,omitempty"`
	Multiple  bool     `json:"multiple,omitempty"`
	Anonymous bool     `json:"anonymous,omitempty"`
	// Hidden keeps a poll's counts (not its turnout) from everyone until
	// it closes.
	Hidden bool `json:"hidden,omitempty"`
	// Choices are the option indices of a poll.vote.
	Choices []int `json:"choices,omitempty"`
}

// MaxCommandSize is the largest command DecodeCommand accepts.
const MaxCommandSize = 64 << 10

// DecodeCommand decodes one JSON command strictly: unknown fields,
// trailing data and wrong types are errors (an *Error with code
// bad_request).
func DecodeCommand(data []byte) (Command, error) {
	var c Command
	if len(data) > MaxCommandSize {
		return c, badRequest("command of %d bytes exceeds %d", len(data), MaxCommandSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Command{}, badRequest("decode command: %v", err)
	}
	if dec.More() {
		return Command{}, badRequest("decode command: trailing data after the object")
	}
	if _, ok := handlers[c.Type]; !ok {
		return Command{}, badRequest("unknown command type %q", c.Type)
	}
	return c, nil
}

// Result is the answer to a command: the new state of the part of the
// document it touched, as plain JSON values.
type Result struct {
	Part  string `json:"part"`
	State any    `json:"state"`
}

// Options configures a Meeting.
type Options struct {
	// Title and Host seed the session map of a new document.
	Title string
	Host  string
	// Origin is the transaction origin of the meeting's writes, so the
	// caller's OnUpdate handler can tell them apart.
	Origin any
	// Ballots, when not nil, holds the ballots (poll id → subject →
	// option indices) and is kept by the caller across Meeting values
	// over the same document: it is the only place the ballots of
	// anonymous polls live. Ballots of polls with a votes map are
	// rebuilt from the document by New.
	Ballots map[string]map[string][]int
	// BallotKey, when set, is a server secret under which the ballots of
	// anonymous polls are kept in the document by sealed voter ids
	// (HMAC of poll and subject): durable, the same on every instance
	// with the same key, and not linkable to a person without the key.
	// Without it they live only in memory (see Ballots).
	BallotKey []byte
}

// Meeting is the live meeting state machine over the {session}/meeting
// document. It is not safe for concurrent use; the caller owns the doc
// and serialises calls (the hub's run loop does).
type Meeting struct {
	doc    *crdt.Doc
	origin any

	session      *crdt.Map
	agenda       *crdt.Array
	current      *crdt.Map
	timer        *crdt.Map
	hands        *crdt.Array
	polls        *crdt.Map
	participants *crdt.Map

	// ballots holds every poll's ballots by identity: poll id → subject
	// → option indices. Anonymous polls keep them only here, never in
	// the document.
	ballots   map[string]map[string][]int
	ballotKey []byte
}

// New wraps doc. If the document has no session yet (a new meeting) it
// seeds the session map with opts.Title and opts.Host in state
// "scheduled"; an existing document is left as it is and the ballots of
// its non-anonymous polls are rebuilt from their votes. Ballots of open
// anonymous polls live only in memory and do not survive a restart.
func New(doc *crdt.Doc, opts Options) *Meeting {
	m := &Meeting{
		doc:          doc,
		origin:       opts.Origin,
		session:      doc.GetMap("session"),
		agenda:       doc.GetArray("agenda"),
		current:      doc.GetMap("current"),
		timer:        doc.GetMap("timer"),
		hands:        doc.GetArray("hands"),
		polls:        doc.GetMap("polls"),
		participants: doc.GetMap("participants"),
		ballots:      opts.Ballots,
		ballotKey:    opts.BallotKey,
	}
	if m.ballots == nil {
		m.ballots = map[string]map[string][]int{}
	}
	if !m.session.Has("state") {
		doc.Transact(func(*crdt.Transaction) {
			_ = m.session.Set("title", opts.Title)
			_ = m.session.Set("host", opts.Host)
			_ = m.session.Set("state", "scheduled")
			_ = m.timer.Set("state", "idle")
		}, m.origin)
	}
	m.rebuildBallots()
	return m
}

// Doc returns the wrapped document.
func (m *Meeting) Doc() *crdt.Doc { return m.doc }

// State returns the whole meeting as plain JSON values, keyed by root name.
func (m *Meeting) State() map[string]any {
	return map[string]any{
		"session":      m.session.ToJSON(),
		"agenda":       m.agenda.ToJSON(),
		"current":      m.current.ToJSON(),
		"timer":        m.timer.ToJSON(),
		"hands":        m.hands.ToJSON(),
		"polls":        m.polls.ToJSON(),
		"participants": m.participants.ToJSON(),
	}
}

type handler struct {
	// need is the permission check; nil lets every role through (the
	// handler checks what depends on the arguments).
	need func(Role) bool
	run  func(m *Meeting, c *Command, a Actor, now time.Time) (Result, *Error)
	// live: only while the session is live (checkLive); noArgs: the
	// command takes no arguments (checkNoArgs).
	live, noArgs bool
}

var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		"agenda.add":        {need: Role.runs, run: (*Meeting).agendaAdd},
		"agenda.edit":       {need: Role.runs, run: (*Meeting).agendaEdit},
		"agenda.move":       {need: Role.runs, run: (*Meeting).agendaMove},
		"agenda.remove":     {need: Role.runs, run: (*Meeting).agendaRemove},
		"agenda.next":       {need: Role.runs, run: (*Meeting).agendaNext, live: true, noArgs: true},
		"agenda.previous":   {need: Role.runs, run: (*Meeting).agendaPrevious, live: true, noArgs: true},
		"agenda.goto":       {need: Role.runs, run: (*Meeting).agendaGoto, live: true},
		"timer.start":       {need: Role.runs, run: (*Meeting).timerStart, live: true},
		"timer.pause":       {need: Role.runs, run: (*Meeting).timerPause, noArgs: true},
		"timer.resume":      {need: Role.runs, run: (*Meeting).timerResume, live: true, noArgs: true},
		"timer.reset":       {need: Role.runs, run: (*Meeting).timerReset, noArgs: true},
		"hand.raise":        {need: Role.takesPart, run: (*Meeting).handRaise, noArgs: true},
		"hand.lower":        {run: (*Meeting).handLower},
		"hand.lowerAll":     {need: Role.runs, run: (*Meeting).handLowerAll, noArgs: true},
		"hand.next":         {need: Role.runs, run: (*Meeting).handNext, noArgs: true},
		"poll.create":       {need: Role.runs, run: (*Meeting).pollCreate},
		"poll.vote":         {need: Role.takesPart, run: (*Meeting).pollVote},
		"poll.close":        {need: Role.runs, run: (*Meeting).pollClose},
		"role.set":          {need: Role.runs, run: (*Meeting).roleSet},
		"participant.join":  {run: (*Meeting).participantJoin, noArgs: true},
		"participant.leave": {run: (*Meeting).participantLeave, noArgs: true},
		"session.start":     {need: Role.runs, run: (*Meeting).sessionStart, noArgs: true},
		"session.end":       {need: Role.runs, run: (*Meeting).sessionEnd, noArgs: true},
	}
}

// Apply checks cmd against actor's role and the current state and, if it
// is allowed and valid, applies it in one transaction. On error (always
// an *Error) the document is unchanged. now is the server's clock.
func (m *Meeting) Apply(cmd Command, actor Actor, now time.Time) (Result, error) {
	h, ok := handlers[cmd.Type]
	if !ok {
		return Result{}, badRequest("unknown command type %q", cmd.Type)
	}
	if !actor.Role.valid() {
		return Result{}, forbidden("unknown role %q", actor.Role)
	}
	if actor.Subject == "" {
		return Result{}, badRequest("actor has no subject")
	}
	if h.need != nil && !h.need(actor.Role) {
		return Result{}, forbidden("%s may not %s", actor.Role, cmd.Type)
	}
	if h.live {
		if err := m.checkLive(&cmd); err != nil {
			return Result{}, err
		}
	}
	if h.noArgs {
		if err := m.checkNoArgs(&cmd); err != nil {
			return Result{}, err
		}
	}
	r, err := h.run(m, &cmd, actor, now)
	if err != nil {
		return Result{}, err
	}
	return r, nil
}

// write runs fn in one transaction with the meeting's origin.
func (m *Meeting) write(fn func()) {
	m.doc.Transact(func(*crdt.Transaction) { fn() }, m.origin)
}

func ms(t time.Time) int64 { return t.UnixMilli() }

// getString returns a string value of mp, or "".
func getString(mp *crdt.Map, key string) string {
	v, _ := mp.Get(key)
	s, _ := v.(string)
	return s
}

// getInt returns a number value of mp as int64, or 0.
func getInt(mp *crdt.Map, key string) int64 {
	v, _ := mp.Get(key)
	return toInt(v)
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	case int:
		return int64(x)
	}
	return 0
}

func getBool(mp *crdt.Map, key string) bool {
	v, _ := mp.Get(key)
	b, _ := v.(bool)
	return b
}

// getMap returns the nested map under key, or nil.
func getMap(mp *crdt.Map, key string) *crdt.Map {
	v, _ := mp.Get(key)
	x, _ := v.(*crdt.Map)
	return x
}

func checkText(field, s string, max int) *Error {
	switch {
	case strings.TrimSpace(s) == "":
		return badRequest("%s is required", field)
	case len(s) > max:
		return badRequest("%s is longer than %d bytes", field, max)
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		return badRequest("%s must be UTF-8 text without NUL", field)
	}
	return nil
}

// CheckText validates a text people type, as every command does: not
// blank, at most max bytes, UTF-8 without NUL. It returns an *Error or
// nil.
func CheckText(field, s string, max int) error {
	if err := checkText(field, s, max); err != nil {
		return err
	}
	return nil
}

// CheckAgendaItem validates a planned agenda item as agenda.add does,
// so the REST API (a session's planned agenda) accepts exactly what the
// meeting accepts. It returns an *Error or nil.
func CheckAgendaItem(id, title string, minutes int) error {
	if err := checkText("id", id, MaxIDLen); err != nil {
		return err
	}
	if err := checkText("title", title, MaxTitle); err != nil {
		return err
	}
	if err := checkMinutes(&minutes); err != nil {
		return err
	}
	return nil
}
