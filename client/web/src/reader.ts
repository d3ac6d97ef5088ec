// The notes reader: a session's notes with the meeting record, its
// versions, search across all notes, and the Markdown download.

import { api, Session, withToken } from './api'
import { clear, fmtDuration, h, showError } from './dom'

interface NotesJSON {
  session: Session
  version: number | null
  html: string
  record: {
    attendees: Array<{ subject: string, name: string, joinedAt: number, leftAt: number | null }>
    agenda: Array<{ id: string, title: string, minutes: number, spentSeconds: number, done: boolean }>
    polls: Array<{ id: string, question: string, options: string[], counts: number[], closed: boolean }>
    open_tasks: string[]
  }
}

export async function reader (root: HTMLElement, id: string): Promise<void> {
  const params = new URLSearchParams(location.search)
  const version = params.get('version')
  const q = version === null ? '' : '&version=' + encodeURIComponent(version)
  const n = await api<NotesJSON>('GET', `/api/sessions/${encodeURIComponent(id)}/notes?format=json${q}`)
  const s = n.session
  document.title = s.title + ' — notes'
  const tz = s.time_zone
  const t = (ms: number | null): string => ms === null ? '—' : new Date(ms).toLocaleString([], { timeZone: tz })
  const body = h('article', { class: 'card notes-body', id: 'notes' })
  // The server renders notes HTML safely (every text and attribute
  // escaped, links limited to http, https and mailto).
  body.innerHTML = n.html
  const rec = n.record
  root.append(
    h('header', {}, h('h1', {}, s.title), h('p', { class: 'muted' },
      `${s.state} · ${tz}`, n.version === null ? '' : ` · version ${n.version}`, ' · ',
      h('a', { href: withToken(`/notes/${id}?download=1`) }, 'Download Markdown'), ' · ',
      h('a', { href: withToken('/s/' + id) }, 'Open the session'), ' · ',
      h('a', { href: withToken('/') }, 'Lobby'))),
    searchBox(),
    h('div', { class: 'room' },
      h('main', {}, body),
      h('aside', { class: 'meeting', 'aria-label': 'Meeting record' },
        h('h2', {}, 'Attendees'),
        h('ul', { id: 'attendees' }, ...rec.attendees.map(a => h('li', {}, a.name, h('span', { class: 'muted' }, ` ${t(a.joinedAt)} – ${t(a.leftAt)}`)))),
        h('h2', {}, 'Agenda'),
        h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Item'), h('th', {}, 'Planned'), h('th', {}, 'Spent'))),
          h('tbody', {}, ...rec.agenda.map(a => h('tr', {}, h('td', {}, a.title), h('td', {}, `${a.minutes} min`), h('td', {}, fmtDuration(a.spentSeconds * 1000)))))),
        h('h2', {}, 'Polls'),
        ...rec.polls.map(p => h('div', {}, h('h3', {}, p.question),
          h('ul', {}, ...p.options.map((o, i) => h('li', {}, `${o}: ${p.counts[i] ?? 0}`))))),
        h('h2', {}, 'Open tasks'),
        h('ul', { id: 'open-tasks' }, ...rec.open_tasks.map(x => h('li', {}, x))),
        h('h2', {}, 'Versions'),
        versionsList(id)))
  )
}

function versionsList (id: string): HTMLElement {
  const ul = h('ul', { id: 'versions' }, h('li', {}, h('a', { href: withToken('/read/' + id) }, 'Latest')))
  api<{ versions: Array<{ n: number, kind: string, name: string, created_at: string }> }>('GET', `/api/sessions/${encodeURIComponent(id)}/versions`)
    .then(r => {
      for (const v of r.versions.reverse()) {
        ul.append(h('li', {}, h('a', { href: withToken(`/read/${id}?version=${v.n}`) }, `#${v.n} ${v.name}`),
          h('span', { class: 'muted' }, ` ${v.kind}, ${new Date(v.created_at).toLocaleString()}`)))
      }
    }).catch(err => showError(ul, err))
  return ul
}

export function searchBox (): HTMLElement {
  const results = h('ol', { id: 'results', 'aria-live': 'polite' })
  const f = h('form', { role: 'search', class: 'card' },
    h('label', {}, 'Search all notes ', h('input', { type: 'search', name: 'q', id: 'search', required: true })),
    ' ', h('button', { type: 'submit' }, 'Search'), results)
  f.addEventListener('submit', e => {
    e.preventDefault()
    const q = String(new FormData(f).get('q') ?? '')
    api<{ results: Array<{ session: string, title: string, version: number, snippet: string }> }>('GET', '/api/search?q=' + encodeURIComponent(q))
      .then(r => {
        clear(results)
        if (r.results.length === 0) results.append(h('li', { class: 'muted' }, 'No notes match.'))
        for (const hit of r.results) {
          const snip = h('p', { class: 'snippet' })
          // Snippets are escaped text with only <mark> as markup.
          snip.innerHTML = hit.snippet
          results.append(h('li', {}, h('a', { href: withToken('/read/' + hit.session) }, hit.title), snip))
        }
      }).catch(err => showError(f, err))
  })
  return f
}
