package meeting

import (
	"fmt"
	"time"

	"github.com/cocreate/cocreate/crdt"
)

// Limits of the agenda; CheckAgendaItem applies them to planned items.
const (
	// MaxTitle bounds an agenda item's (and a session's) title.
	MaxTitle = 200
	// MaxIDLen bounds an agenda item's or a poll's id.
	MaxIDLen = 64
	// MaxMinutes bounds an item's planned minutes.
	MaxMinutes = 24 * 60
	// MaxAgendaItems bounds the agenda.
	MaxAgendaItems = 200
)

// item returns the agenda item at i.
func (m *Meeting) item(i int) *crdt.Map {
	v, _ := m.agenda.Get(i)
	x, _ := v.(*crdt.Map)
	return x
}

// indexOf returns the index of the agenda item with id, or -1.
func (m *Meeting) indexOf(id string) int {
	for i := 0; i < m.agenda.Len(); i++ {
		if it := m.item(i); it != nil && getString(it, "id") == id {
			return i
		}
	}
	return -1
}

func (m *Meeting) agendaResult() Result {
	return Result{Part: "agenda", State: map[string]any{
		"agenda":  m.agenda.ToJSON(),
		"current": m.current.ToJSON(),
	}}
}

func checkMinutes(p *int) *Error {
	if p != nil && (*p < 0 || *p > MaxMinutes) {
		return badRequest("minutes %d out of range 0..%d", *p, MaxMinutes)
	}
	return nil
}

func (m *Meeting) agendaAdd(c *Command, _ Actor, _ time.Time) (Result, *Error) {
	if err := checkText("title", c.Title, MaxTitle); err != nil {
		return Result{}, err
	}
	if err := checkMinutes(c.Minutes); err != nil {
		return Result{}, err
	}
	if c.Done != nil {
		return Result{}, badRequest("done is not allowed on agenda.add")
	}
	n := m.agenda.Len()
	if n >= MaxAgendaItems {
		return Result{}, conflict("agenda is full (%d items)", MaxAgendaItems)
	}
	at := n
	if c.Index != nil {
		if *c.Index < 0 || *c.Index > n {
			return Result{}, badRequest("index %d out of range 0..%d", *c.Index, n)
		}
		at = *c.Index
	}
	id := c.ID
	if id == "" {
		for k := n + 1; ; k++ {
			id = fmt.Sprintf("item-%d", k)
			if m.indexOf(id) < 0 {
				break
			}
		}
	} else if len(id) > MaxIDLen {
		return Result{}, badRequest("id is longer than %d bytes", MaxIDLen)
	} else if m.indexOf(id) >= 0 {
		return Result{}, conflict("agenda item %q already exists", id)
	}
	minutes := 0
	if c.Minutes != nil {
		minutes = *c.Minutes
	}
	m.write(func() {
		it := crdt.NewMap()
		_ = m.agenda.Insert(at, it)
		_ = it.Set("id", id)
		_ = it.Set("title", c.Title)
		_ = it.Set("minutes", minutes)
		_ = it.Set("done", false)
		_ = it.Set("spentSeconds", 0)
	})
	return m.agendaResult(), nil
}

func (m *Meeting) findItem(id string) (int, *Error) {
	if id == "" {
		return -1, badRequest("id is required")
	}
	i := m.indexOf(id)
	if i < 0 {
		return -1, notFound("no agenda item %q", id)
	}
	return i, nil
}

func (m *Meeting) agendaEdit(c *Command, _ Actor, _ time.Time) (Result, *Error) {
	i, err := m.findItem(c.ID)
	if err != nil {
		return Result{}, err
	}
	if c.Title != "" {
		if err := checkText("title", c.Title, MaxTitle); err != nil {
			return Result{}, err
		}
	}
	if err := checkMinutes(c.Minutes); err != nil {
		return Result{}, err
	}
	if c.Title == "" && c.Minutes == nil && c.Done == nil {
		return Result{}, badRequest("agenda.edit needs title, minutes or done")
	}
	if c.Index != nil {
		return Result{}, badRequest("index is not allowed on agenda.edit (use agenda.move)")
	}
	it := m.item(i)
	m.write(func() {
		if c.Title != "" {
			_ = it.Set("title", c.Title)
		}
		if c.Minutes != nil {
			_ = it.Set("minutes", *c.Minutes)
		}
		if c.Done != nil {
			_ = it.Set("done", *c.Done)
		}
	})
	return m.agendaResult(), nil
}

// agendaMove moves an item to Index. A CRDT array cannot move an element,
// so the item is deleted and a copy inserted, in one transaction.
func (m *Meeting) agendaMove(c *Command, _ Actor, _ time.Time) (Result, *Error) {
	i, err := m.findItem(c.ID)
	if err != nil {
		return Result{}, err
	}
	if c.Index == nil {
		return Result{}, badRequest("index is required")
	}
	n := m.agenda.Len()
	to := *c.Index
	if to < 0 || to >= n {
		return Result{}, badRequest("index %d out of range 0..%d", to, n-1)
	}
	if to == i {
		return m.agendaResult(), nil
	}
	vals := m.item(i).ToJSON()
	m.write(func() {
		_ = m.agenda.Delete(i, 1)
		it := crdt.NewMap()
		_ = m.agenda.Insert(to, it)
		for _, k := range []string{"id", "title", "minutes", "done", "spentSeconds"} {
			if v, ok := vals[k]; ok {
				_ = it.Set(k, v)
			}
		}
	})
	return m.agendaResult(), nil
}

func (m *Meeting) agendaRemove(c *Command, _ Actor, _ time.Time) (Result, *Error) {
	i, err := m.findItem(c.ID)
	if err != nil {
		return Result{}, err
	}
	m.write(func() {
		_ = m.agenda.Delete(i, 1)
		if getString(m.current, "item") == c.ID {
			m.current.Delete("item")
			m.current.Delete("since")
		}
	})
	return m.agendaResult(), nil
}

// setCurrent makes the item at index to current (-1: none), adding the
// time since the previous current item became current to its
// spentSeconds. Call it inside a write.
func (m *Meeting) setCurrent(to int, now time.Time) {
	if id := getString(m.current, "item"); id != "" {
		if i := m.indexOf(id); i >= 0 {
			it := m.item(i)
			spent := (ms(now) - getInt(m.current, "since")) / 1000
			if spent > 0 {
				_ = it.Set("spentSeconds", getInt(it, "spentSeconds")+spent)
			}
		}
	}
	if to < 0 {
		m.current.Delete("item")
		m.current.Delete("since")
		return
	}
	_ = m.current.Set("item", getString(m.item(to), "id"))
	_ = m.current.Set("since", ms(now))
}

func (m *Meeting) currentIndex() int {
	id := getString(m.current, "item")
	if id == "" {
		return -1
	}
	return m.indexOf(id)
}

func (m *Meeting) checkNoArgs(c *Command) *Error {
	if c.ID != "" || c.Title != "" || c.Minutes != nil || c.Done != nil || c.Index != nil ||
		c.DurationMs != 0 || c.Subject != "" || c.Role != "" || c.Question != "" ||
		c.Options != nil || c.Multiple || c.Anonymous || c.Hidden || c.Choices != nil {
		return badRequest("%s takes no arguments", c.Type)
	}
	return nil
}

// agendaNext marks the current item done and moves to the one after it
// (the first item when none is current).
func (m *Meeting) agendaNext(c *Command, _ Actor, now time.Time) (Result, *Error) {
	cur := m.currentIndex()
	if cur+1 >= m.agenda.Len() {
		return Result{}, conflict("no next agenda item")
	}
	m.write(func() {
		if cur >= 0 {
			_ = m.item(cur).Set("done", true)
		}
		m.setCurrent(cur+1, now)
	})
	return m.agendaResult(), nil
}

// agendaPrevious moves to the item before the current one.
func (m *Meeting) agendaPrevious(c *Command, _ Actor, now time.Time) (Result, *Error) {
	cur := m.currentIndex()
	if cur <= 0 {
		return Result{}, conflict("no previous agenda item")
	}
	m.write(func() { m.setCurrent(cur-1, now) })
	return m.agendaResult(), nil
}

func (m *Meeting) agendaGoto(c *Command, _ Actor, now time.Time) (Result, *Error) {
	i, err := m.findItem(c.ID)
	if err != nil {
		return Result{}, err
	}
	if i == m.currentIndex() {
		return Result{}, conflict("agenda item %q is already current", c.ID)
	}
	m.write(func() { m.setCurrent(i, now) })
	return m.agendaResult(), nil
}

// checkLive refuses commands that only make sense while the meeting
// runs (moving through the agenda, starting the timer) once it has
// ended; editing the agenda, hands and polls stay open for follow-up.
func (m *Meeting) checkLive(c *Command) *Error {
	if getString(m.session, "state") == "ended" {
		return conflict("the meeting has ended: %s is no longer possible", c.Type)
	}
	return nil
}
