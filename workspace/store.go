package workspace

import "github.com/cocreate/cocreate/notes"

// Store is everything the workspace keeps durably, in one interface:
// document logs (which the hubs also write), session records, versions,
// the list of a session's documents and the search index. Every
// capability is checked when the program is compiled, so nothing asks
// at run time what a store can do.
type Store interface {
	notes.Store
	notes.Sessions
	notes.Versions
	notes.Lister
	notes.Index
	notes.Access
	notes.Pulse
	notes.SeriesStore
	notes.RSVPStore
	notes.TaskStore
	notes.Secrets
}

// Each backend is a whole Store.
var (
	_ Store = (*notes.MemoryStore)(nil)
	_ Store = (*notes.SQLiteStore)(nil)
	_ Store = (*notes.PostgresStore)(nil)
)
