package meeting

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/cocreate/cocreate/crdt"
)

const (
	maxQuestion = 500
	maxOption   = 200
	maxOptions  = 20
	maxPolls    = 100
)

func (m *Meeting) pollResult(id string) Result {
	p := getMap(m.polls, id)
	return Result{Part: "poll", State: p.ToJSON()}
}

func (m *Meeting) pollCreate(c *Command, _ Actor, _ time.Time) (Result, *Error) {
	if err := checkText("question", c.Question, maxQuestion); err != nil {
		return Result{}, err
	}
	if len(c.Options) < 2 || len(c.Options) > maxOptions {
		return Result{}, badRequest("a poll needs 2..%d options, got %d", maxOptions, len(c.Options))
	}
	for i, o := range c.Options {
		if err := checkText(fmt.Sprintf("options[%d]", i), o, maxOption); err != nil {
			return Result{}, err
		}
		if slices.Index(c.Options, o) != i {
			return Result{}, badRequest("option %q appears twice", o)
		}
	}
	if c.Title != "" || c.Choices != nil || c.Subject != "" {
		return Result{}, badRequest("poll.create takes id, question, options, multiple, anonymous and hidden")
	}
	if m.polls.Len() >= maxPolls {
		return Result{}, conflict("too many polls (%d)", maxPolls)
	}
	id := c.ID
	if id == "" {
		for k := m.polls.Len() + 1; ; k++ {
			id = fmt.Sprintf("poll-%d", k)
			if !m.polls.Has(id) {
				break
			}
		}
	} else if len(id) > MaxIDLen {
		return Result{}, badRequest("id is longer than %d bytes", MaxIDLen)
	} else if m.polls.Has(id) {
		return Result{}, conflict("poll %q already exists", id)
	}
	opts := make([]any, len(c.Options))
	for i, o := range c.Options {
		opts[i] = o
	}
	m.write(func() {
		p := crdt.NewMap()
		_ = m.polls.Set(id, p)
		_ = p.Set("id", id)
		_ = p.Set("question", c.Question)
		_ = p.Set("options", opts)
		_ = p.Set("multiple", c.Multiple)
		_ = p.Set("anonymous", c.Anonymous)
		_ = p.Set("hidden", c.Hidden)
		_ = p.Set("state", "open")
		_ = p.Set("counts", zeros(len(opts)))
		_ = p.Set("voters", 0)
		// A hidden poll keeps its ballots as an anonymous one does (no
		// votes map, which would show the count), until it closes.
		if !c.Anonymous && !c.Hidden {
			_ = p.Set("votes", crdt.NewMap())
		} else if m.ballotKey != nil {
			_ = p.Set("sealed", crdt.NewMap())
		}
	})
	m.ballots[id] = map[string][]int{}
	return m.pollResult(id), nil
}

func zeros(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = int64(0)
	}
	return out
}

func (m *Meeting) findPoll(id string) (*crdt.Map, *Error) {
	if id == "" {
		return nil, badRequest("id is required")
	}
	p := getMap(m.polls, id)
	if p == nil {
		return nil, notFound("no poll %q", id)
	}
	return p, nil
}

// openPoll is findPoll for a poll still open; a closed one is a
// conflict that says it is closed (as closed).
func (m *Meeting) openPoll(id, closed string) (*crdt.Map, *Error) {
	p, err := m.findPoll(id)
	if err != nil {
		return nil, err
	}
	if getString(p, "state") != "open" {
		return nil, conflict("poll %q is %s", id, closed)
	}
	return p, nil
}

// counts tallies the ballots of a poll with n options.
func counts(ballots map[string][]int, n int) []any {
	out := make([]int64, n)
	for _, b := range ballots {
		for _, i := range b {
			out[i]++
		}
	}
	res := make([]any, n)
	for i, c := range out {
		res[i] = c
	}
	return res
}

// pollVote records the actor's ballot, replacing an earlier one: one
// ballot per identity, changeable until the poll closes.
func (m *Meeting) pollVote(c *Command, a Actor, _ time.Time) (Result, *Error) {
	p, err := m.openPoll(c.ID, "closed")
	if err != nil {
		return Result{}, err
	}
	opts, _ := p.Get("options")
	optList, _ := opts.([]any)
	n := len(optList)
	if len(c.Choices) == 0 {
		return Result{}, badRequest("choices is required")
	}
	if !getBool(p, "multiple") && len(c.Choices) != 1 {
		return Result{}, badRequest("poll %q takes exactly one choice, got %d", c.ID, len(c.Choices))
	}
	for i, ch := range c.Choices {
		if ch < 0 || ch >= n {
			return Result{}, badRequest("choice %d out of range 0..%d", ch, n-1)
		}
		if slices.Index(c.Choices, ch) != i {
			return Result{}, badRequest("choice %d appears twice", ch)
		}
	}
	ballot := slices.Clone(c.Choices)
	slices.Sort(ballot)
	bs := m.ballots[c.ID]
	if bs == nil {
		bs = map[string][]int{}
		m.ballots[c.ID] = bs
	}
	sealed := getMap(p, "sealed")
	voter := a.Subject
	if sealed != nil {
		voter = m.seal(c.ID, a.Subject)
	}
	bs[voter] = ballot
	vs := make([]any, len(ballot))
	for i, b := range ballot {
		vs[i] = b
	}
	m.write(func() {
		if !getBool(p, "hidden") {
			_ = p.Set("counts", counts(bs, n))
		}
		_ = p.Set("voters", len(bs))
		if votes := getMap(p, "votes"); votes != nil {
			_ = votes.Set(a.Subject, vs)
		}
		if sealed != nil {
			_ = sealed.Set(voter, vs)
		}
	})
	return m.pollResult(c.ID), nil
}

// pollClose closes a poll and freezes its counts as results; a hidden
// poll's counts are tallied from its ballots and shown now.
func (m *Meeting) pollClose(c *Command, _ Actor, _ time.Time) (Result, *Error) {
	p, err := m.openPoll(c.ID, "already closed")
	if err != nil {
		return Result{}, err
	}
	res, _ := p.Get("counts")
	if getBool(p, "hidden") {
		opts, _ := p.Get("options")
		optList, _ := opts.([]any)
		res = counts(m.ballots[c.ID], len(optList))
	}
	m.write(func() {
		_ = p.Set("counts", res)
		_ = p.Set("state", "closed")
		_ = p.Set("results", res)
	})
	return m.pollResult(c.ID), nil
}

// rebuildBallots restores the ballots of non-anonymous polls from their
// votes maps.
func (m *Meeting) rebuildBallots() {
	for _, id := range m.polls.Keys() {
		p := getMap(m.polls, id)
		if p == nil {
			continue
		}
		votes := getMap(p, "votes")
		if votes == nil {
			// Anonymous: ballots under sealed voter ids (BallotKey), or
			// else only in memory (Options.Ballots keeps them across
			// Meeting values).
			votes = getMap(p, "sealed")
		}
		if votes == nil {
			continue
		}
		bs := map[string][]int{}
		{
			for _, sub := range votes.Keys() {
				v, _ := votes.Get(sub)
				arr, _ := v.([]any)
				b := make([]int, 0, len(arr))
				for _, x := range arr {
					b = append(b, int(toInt(x)))
				}
				bs[sub] = b
			}
		}
		m.ballots[id] = bs
	}
}

// seal is the opaque voter id of subject in an anonymous poll: an HMAC
// under the server's BallotKey, so the document can keep the ballot (and
// it survives restarts and other instances) without saying whose it is.
func (m *Meeting) seal(poll, subject string) string {
	h := hmac.New(sha256.New, m.ballotKey)
	h.Write([]byte(poll))
	h.Write([]byte{0})
	h.Write([]byte(subject))
	return hex.EncodeToString(h.Sum(nil)[:16])
}
