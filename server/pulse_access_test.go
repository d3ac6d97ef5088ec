package server

// The pulse's operations in the access matrix (TestAccessMatrix), kept
// beside the pulse's other tests. The matrix's worlds hold no series
// and no webhooks, so those rows try ids that do not exist: everybody
// gets 404, or 403 first where the space role already refuses
// (TestSeriesAPI and TestWebhookRoutes try real ones by role).
func init() {
	for route, n := range map[string]needs{
		"GET /api/sessions/{id}/calendar.ics": {session: readers, ok: 200, path: sessPath("/calendar.ics")},
		"PUT /api/sessions/{id}/rsvp":         {session: readers, ok: 200, path: sessPath("/rsvp"), body: `{"answer":"maybe"}`},
		"GET /api/sessions/{id}/rsvps":        {session: readers, ok: 200, path: sessPath("/rsvps")},
		"GET /api/spaces/{id}/tasks":          {space: spaceAll, ok: 200, path: spacePath("/tasks")},
		"GET /api/spaces/{id}/calendar.ics":   {space: spaceAll, ok: 200, path: spacePath("/calendar.ics")},
		"POST /api/me/feeds":                  {space: spaceAll, ok: 201, path: fixed("/api/me/feeds"), body: `{"space_id":"%SPACE%"}`},
		"GET /api/me/feeds":                   {any: true, ok: 200, path: fixed("/api/me/feeds")},
		"DELETE /api/me/feeds/{feed}":         {any: true, ok: 404, path: fixed("/api/me/feeds/nobodys-feed")},
		"POST /api/series": {space: spaceAll[:3], ok: 201, path: fixed("/api/series"),
			body: `{"title":"Weekly","time_zone":"UTC","start":"2030-01-01T10:00:00Z","rule":{"freq":"WEEKLY","count":2},"space_id":"%SPACE%"}`},
		"GET /api/series/{id}":                       {any: true, ok: 404, path: fixed("/api/series/no-such-series")},
		"GET /api/series/{id}/calendar.ics":          {any: true, ok: 404, path: fixed("/api/series/no-such-series/calendar.ics")},
		"DELETE /api/series/{id}/occurrences/{slot}": {any: true, ok: 404, path: fixed("/api/series/no-such-series/occurrences/2030-01-01T10:00:00Z")},
		"POST /api/spaces/{id}/webhooks": {space: managers, ok: 201, path: spacePath("/webhooks"),
			body: `{"url":"https://hooks.example.org/in","events":["session.started"]}`},
		"GET /api/spaces/{id}/webhooks":                   {space: managers, ok: 200, path: spacePath("/webhooks")},
		"DELETE /api/spaces/{id}/webhooks/{hook}":         {space: managers, ok: 404, path: spacePath("/webhooks/no-such-hook")},
		"GET /api/spaces/{id}/webhooks/{hook}/deliveries": {space: managers, ok: 404, path: spacePath("/webhooks/no-such-hook/deliveries")},
	} {
		matrix[route] = n
	}
}
