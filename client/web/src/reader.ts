// The notes reader: a session's notes (read-only) beside the record of the
// meeting (when and how long, who came, agenda planned against spent,
// polls, open tasks), its versions, search across all notes, and the
// Markdown download of exactly what is shown. While the session runs the
// page follows the notes as they are written.

import { api, APIError, Session, withToken } from './api'
import { clear, emptyState, fmtLength, h, morph, showError } from './dom'
import { clockRange, moment, period, plan, timeEl } from './time'
import { calendarLink } from './calendar'
import { topbar, notFound } from './shell'
import { noAccess } from './access'
import { compareView, listVersions, restore, Version, versionsPanel } from './versions'
import { ask } from './dialog'
import { attendanceView, loadRSVPs, Names } from './rsvp'

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

const sid = (id: string): string => encodeURIComponent(id)

export async function reader (root: HTMLElement, id: string): Promise<void> {
  const params = new URLSearchParams(location.search)
  const version = params.get('version')
  const q = version === null ? '' : '&version=' + encodeURIComponent(version)
  const load = async (): Promise<NotesJSON> => await api<NotesJSON>('GET', `/api/sessions/${sid(id)}/notes?format=json${q}`)
  let n: NotesJSON
  try {
    n = await load()
  } catch (err) {
    if (err instanceof APIError && err.status === 404) {
      // The server does not tell "not yours" from "no such session".
      if (version === null) noAccess(root)
      else notFound(root, `Version ${version} of these notes does not exist.`)
      return
    }
    throw err
  }
  const s = n.session
  document.title = s.title + ' — notes'
  const versions = await listVersions(id).catch(() => [] as Version[])
  const shownVersion = n.version
  const canEdit = s.my_role !== undefined && s.my_role !== 'viewer'

  const body = h('article', { class: 'notes-body', id: 'notes', 'aria-label': 'Notes' })
  const record = h('div', { id: 'record' })
  const meta = h('p', { class: 'meta row', id: 'reader-meta' })
  const paint = (x: NotesJSON): void => {
    const next = h('article', {})
    // The server renders notes HTML safely (every text and attribute
    // escaped, links limited to http, https and mailto).
    next.innerHTML = x.html
    for (const c of Array.from(next.querySelectorAll('input[type=checkbox]'))) {
      c.setAttribute('disabled', '')
      c.setAttribute('aria-label', c.hasAttribute('checked') ? 'Done' : 'Not done')
    }
    if (next.textContent?.trim() === '' && next.querySelector('img, hr') === null) next.replaceChildren(emptyState('No notes were taken yet.'))
    morph(body, h('article', { class: 'notes-body', id: 'notes', 'aria-label': 'Notes' }, ...Array.from(next.childNodes)))
    morph(record, h('div', { id: 'record' }, ...recordView(x)))
    morph(meta, h('p', { class: 'meta row', id: 'reader-meta' }, ...metaView(x)))
  }
  paint(n)
  // The answers against attendance, after the attendees: an ended
  // meeting's record is painted once, so the section stays in place.
  if (s.state === 'ended' && shownVersion === null && (s.my_role === 'host' || s.my_role === 'cohost')) {
    const box = await attendance(s, n)
    if (box !== null) record.firstElementChild?.after(box)
  }

  const dl = withToken(`/notes/${sid(id)}?download=1` + (shownVersion === null ? '' : `&version=${shownVersion}`))
  const shown = versions.find(v => v.n === shownVersion)
  const banner = shownVersion === null
    ? null
    : h('div', { class: 'version-banner', id: 'version-banner', role: 'note' },
      h('p', {}, h('strong', {}, `You are reading version #${shownVersion}${shown === undefined ? '' : ' “' + shown.name + '”'}`),
        ...(shown === undefined ? [] : [', saved ', timeEl(shown.created_at, moment(shown.created_at)), '.'])),
      h('p', { class: 'row' },
        h('a', { class: 'button', href: withToken('/read/' + id) }, 'Back to the current notes'),
        canEdit ? h('button', { type: 'button', id: 'restore', class: 'primary', onclick: (e: Event) => { void doRestore(e.currentTarget as HTMLElement) } }, 'Restore this version') : null))
  const doRestore = async (b: HTMLElement): Promise<void> => {
    if (shownVersion === null) return
    const ok = await ask({
      title: `Restore version #${shownVersion}?`,
      text: 'The current notes are replaced by this version for everyone, as a new edit. Nothing is lost: the current notes are kept as a version first, and can be restored the same way.',
      ok: 'Restore'
    })
    if (ok === null) return
    b.setAttribute('aria-disabled', 'true')
    b.textContent = 'Restoring…'
    try {
      // Whoever may save versions keeps the notes being replaced as one,
      // so they can be found by name; for everyone the edit history
      // keeps them too.
      if (s.my_role === 'host' || s.my_role === 'cohost') {
        await api('POST', `/api/sessions/${sid(id)}/versions`, { name: `Before restoring #${shownVersion}` })
      }
      await restore(id, shownVersion)
      location.href = withToken(`/read/${id}?restored=${shownVersion}`)
    } catch (err) {
      b.removeAttribute('aria-disabled')
      b.textContent = 'Restore this version'
      showError(b, err)
    }
  }

  const doDelete = async (b: HTMLElement): Promise<void> => {
    const ok = await ask({
      title: `Delete “${s.title}”?`,
      text: 'The session, its notes, its versions and its record are removed for everyone, and people still in the room are disconnected. This cannot be undone; download the Markdown first if you want to keep the notes.',
      ok: 'Delete for everyone',
      danger: true
    })
    if (ok === null) return
    try {
      await api('DELETE', `/api/sessions/${sid(id)}`)
      location.href = withToken('/')
    } catch (err) {
      showError(b, err)
    }
  }

  const restored = params.get('restored')
  const cmpFrom = params.get('compare')
  const compare = cmpFrom === null ? null : await compareView(id, Number(cmpFrom), params.get('to') === '' || params.get('to') === null ? null : Number(params.get('to')), versions).catch(err => {
    const box = h('section', { class: 'card' }, h('h2', {}, 'Changes between versions'))
    showError(box, err)
    return box
  })
  const live = s.state !== 'ended' && shownVersion === null
  root.append(
    topbar(searchBox()),
    h('main', { class: 'reader' },
      h('header', { class: 'reader-head' },
        h('h1', {}, s.title),
        meta,
        h('p', { class: 'row actions' },
          h('a', { class: 'button', href: dl, id: 'download', download: '' }, shownVersion === null ? 'Download Markdown' : `Download version #${shownVersion} (Markdown)`),
          h('a', { class: 'button', href: withToken('/s/' + id), id: 'open-room' }, s.state === 'ended' ? 'Open the room' : 'Join the meeting'),
          s.state === 'ended' ? null : calendarLink(id, s.title),
          s.my_role === 'host' ? h('button', { type: 'button', class: 'danger', id: 'delete-session', onclick: (e: Event) => { void doDelete(e.currentTarget as HTMLElement) } }, 'Delete session…') : null,
          live ? h('span', { class: 'muted live-note', id: 'live-note' }, '● Updating as people write') : null)),
      restored === null ? null : h('p', { class: 'notice', role: 'status', id: 'restored' }, `Version #${restored} was restored into the notes. The notes before it stay in the history.`),
      banner,
      compare,
      h('div', { class: 'reader-grid' },
        h('div', { class: 'card' }, body),
        h('aside', { class: 'record', 'aria-label': 'Meeting record and versions' },
          record, versionsPanel(id, shownVersion, s.my_role, versions)))))

  if (live) {
    // Follow the notes while the session runs; stop once it has ended.
    const timer = window.setInterval(() => {
      load().then(x => {
        paint(x)
        if (x.session.state === 'ended') {
          window.clearInterval(timer)
          document.getElementById('live-note')?.remove()
        }
      }).catch(() => {})
    }, 3000)
  }
}

// attendance is the answers set against who came, for hosts and
// cohosts of an ended meeting (names: the attendees', the space's).
async function attendance (s: Session, n: NotesJSON): Promise<HTMLElement | null> {
  const names = new Names()
  for (const a of n.record.attendees) names.add(a.subject, a.name)
  try {
    const [r] = await Promise.all([loadRSVPs(s.id), names.loadSpace(s)])
    return attendanceView(r, names)
  } catch (err) {
    const box = h('section', { class: 'panel', 'aria-label': 'Answers and attendance' })
    showError(box, err)
    return box
  }
}

// metaView says when the meeting happened (started–ended, how long it
// ran), or when it is planned, in the reader's zone with the session's
// alongside.
function metaView (x: NotesJSON): Array<Node | null> {
  const s = x.session
  const tz = s.time_zone
  const badge = h('span', { class: 'badge state-' + s.state }, s.state === 'ended' ? 'Ended' : s.state === 'live' ? 'Live' : 'Not started')
  let when: HTMLElement
  if (s.started_at === undefined) {
    when = timeEl(s.scheduled_at, 'Planned for ' + plan(s, { year: true }))
  } else if (s.ended_at === undefined) {
    when = timeEl(s.started_at, `Started ${moment(s.started_at, tz, { year: true })}, still running`)
  } else {
    when = timeEl(s.started_at, `${period(s.started_at, s.ended_at, tz, { year: true })}, ran ${fmtLength((Date.parse(s.ended_at) - Date.parse(s.started_at)) / 1000)}`)
  }
  when.id = 'reader-when'
  // The plan too, when the meeting did not start on time.
  const late = s.started_at !== undefined && Math.abs(Date.parse(s.started_at) - Date.parse(s.scheduled_at)) >= 60000
  return [badge, when, late ? h('span', { class: 'muted', id: 'reader-planned' }, 'Planned for ', timeEl(s.scheduled_at, moment(s.scheduled_at, tz))) : null]
}

function recordView (x: NotesJSON): HTMLElement[] {
  const rec = x.record
  const sec = (id: string, title: string, ...kids: Array<Node | null>): HTMLElement =>
    h('section', { class: 'panel', 'aria-labelledby': 'h-' + id }, h('h2', { id: 'h-' + id }, title), ...kids)
  const totalVotes = (c: number[]): number => c.reduce((a, b) => a + b, 0)
  return [
    sec('attendees', `Attendees (${rec.attendees.length})`, rec.attendees.length === 0
      ? emptyState('No one joined the room.')
      : h('ul', { id: 'attendees', class: 'people' }, ...rec.attendees.map(a => h('li', { 'data-key': a.subject },
        h('span', { class: 'grow' }, a.name), h('span', { class: 'muted' }, timeEl(a.joinedAt, clockRange(a.joinedAt, a.leftAt, x.session.started_at ?? a.joinedAt))))))),
    sec('agenda', 'Agenda', rec.agenda.length === 0
      ? emptyState('This meeting had no agenda.')
      : h('table', { class: 'agenda-table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Item'), h('th', { scope: 'col' }, 'Planned'), h('th', { scope: 'col' }, 'Spent'))),
        h('tbody', {}, ...rec.agenda.map(a => {
          const over = a.minutes > 0 && a.spentSeconds > a.minutes * 60
          return h('tr', { 'data-key': a.id },
            h('td', {}, a.title, a.done ? h('span', { class: 'muted' }, ' ✓') : null),
            h('td', {}, fmtLength(a.minutes * 60)),
            h('td', { class: over ? 'over' : '' }, fmtLength(a.spentSeconds), over ? h('span', { class: 'sr-only' }, ' (over time)') : null))
        })))),
    sec('polls', 'Polls', rec.polls.length === 0
      ? emptyState('No polls were held.')
      : h('div', {}, ...rec.polls.map(p => {
        const total = totalVotes(p.counts)
        return h('div', { class: 'poll', 'data-key': p.id },
          h('h3', {}, p.question),
          h('p', { class: 'muted' }, `${p.closed ? 'Closed' : 'Open'} · ${total} ${total === 1 ? 'vote' : 'votes'}`),
          h('ul', { class: 'options' }, ...p.options.map((o, i) => {
            const c = p.counts[i] ?? 0
            const pct = total === 0 ? 0 : Math.round(100 * c / total)
            return h('li', {}, h('span', { class: 'option' }, o),
              h('span', { class: 'bar', 'aria-hidden': 'true' }, h('span', { style: `width:${pct}%` })),
              h('span', { class: 'count' }, `${c} · ${pct}%`))
          })))
      }))),
    sec('tasks', 'Open tasks', rec.open_tasks.length === 0
      ? emptyState('No open tasks.')
      : h('ul', { id: 'open-tasks', class: 'tasks' }, ...rec.open_tasks.map(t => h('li', {}, '☐ ', t))))
  ]
}

export function searchBox (): HTMLElement {
  const results = h('ol', { id: 'results', class: 'results', hidden: true })
  const count = h('p', { class: 'sr-only', role: 'status', id: 'results-status' })
  const f = h('form', { role: 'search', class: 'search', 'aria-label': 'Search all notes' },
    h('label', { for: 'search', class: 'sr-only' }, 'Search all notes'),
    h('input', { type: 'search', name: 'q', id: 'search', required: true, placeholder: 'Search all notes' }),
    h('button', { type: 'submit' }, 'Search'), count, results)
  // The results close like a menu: Escape, or a click elsewhere.
  f.addEventListener('keydown', e => { if (e.key === 'Escape') results.hidden = true })
  document.addEventListener('click', e => { if (!f.contains(e.target as Node)) results.hidden = true })
  f.addEventListener('submit', e => {
    e.preventDefault()
    const q = String(new FormData(f).get('q') ?? '')
    api<{ results: Array<{ session: string, title: string, version: number, snippet: string }> }>('GET', '/api/search?q=' + encodeURIComponent(q))
      .then(r => {
        clear(results)
        results.hidden = false
        count.textContent = r.results.length === 0 ? 'No notes match.' : `${r.results.length} ${r.results.length === 1 ? 'result' : 'results'}`
        if (r.results.length === 0) results.append(h('li', { class: 'empty' }, `No notes match “${q}”.`))
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
