// The lobby: sessions live now, upcoming and past (only those the
// caller may open: the API lists nothing else), the caller's spaces
// (spaces.ts), "Your name", and forms to plan a session in a space and to
// make a space. The page is a list of independent sections
// (listSections, sideSections).

import { api, Me, Session, withToken } from './api'
import { profileForm } from './access'
import { emptyState, h, showError } from './dom'
import { instantOf, sessionWhen, viewerZone } from './time'
import { topbar } from './shell'
import { forgetSpaces, mySpaces, newSpace, spacesSection } from './spaces'
import { rsvpRow } from './rsvp'
import { createSeries, markRepeating, repeatsFields, repeatsMark } from './series'

type Section = () => HTMLElement

export async function lobby (root: HTMLElement): Promise<void> {
  document.title = 'Sessions — cocreate'
  const main = h('main', { class: 'lobby' },
    h('div', { class: 'lobby-lists' },
      h('div', { class: 'row spread' }, h('h1', {}, 'Sessions'), h('a', { class: 'button primary jump', href: '#new-session-title' }, 'New session')),
      ...listSections.map(s => s())),
    h('div', { class: 'lobby-side' }, ...sideSections.map(s => s())))
  root.append(topbar(), main)
}

function sessionList (state: 'live' | 'scheduled' | 'ended', label: string, empty: string): Section {
  return () => {
    const ul = h('ul', { class: 'sessions', 'aria-labelledby': 'list-' + state, 'aria-busy': 'true' })
    const sec = h('section', { class: 'card', id: 'sessions-' + state },
      h('h2', { id: 'list-' + state }, label), ul)
    api<{ sessions: Session[] }>('GET', '/api/sessions?state=' + state).then(page => {
      ul.removeAttribute('aria-busy')
      if (page.sessions.length === 0) ul.replaceWith(emptyState(empty))
      for (const s of page.sessions) {
        ul.append(h('li', { class: 'session-row' },
          h('a', { class: 'session-title', href: withToken(state === 'ended' ? '/read/' + s.id : '/s/' + s.id) }, s.title),
          h('span', { class: 'muted when' }, sessionWhen(s),
            s.agenda.length > 0 ? ` · ${s.agenda.length} agenda ${s.agenda.length === 1 ? 'item' : 'items'}` : ''),
          repeatsMark(s.id),
          state === 'live' ? h('span', { class: 'badge state-live' }, 'Live') : null,
          state === 'ended'
            ? h('a', { class: 'small', href: withToken('/s/' + s.id), 'aria-label': 'Open the room of ' + s.title }, 'Room')
            : h('a', { class: 'small', href: withToken('/read/' + s.id), 'aria-label': 'Notes of ' + s.title }, 'Notes'),
          state === 'scheduled' ? rsvpRow(s) : null))
      }
    }).catch(err => { ul.removeAttribute('aria-busy'); showError(sec, err) })
    return sec
  }
}

function newSession (): HTMLElement {
  const agendaRows = h('ol', { class: 'agenda-edit' })
  const addRow = (): void => {
    const n = agendaRows.children.length + 1
    agendaRows.append(h('li', { class: 'row' },
      h('label', { class: 'sr-only', for: 'item-' + String(n) }, `Item ${n}`),
      h('input', { name: 'item', id: 'item-' + String(n), type: 'text', maxlength: '200', class: 'grow', placeholder: `Item ${n}` }),
      h('label', { class: 'sr-only', for: 'min-' + String(n) }, `Minutes for item ${n}`),
      h('input', { name: 'minutes', id: 'min-' + String(n), type: 'number', min: '0', max: '1440', value: '10', class: 'num' }),
      h('span', { class: 'muted', 'aria-hidden': 'true' }, 'min')))
  }
  addRow()
  const tz = viewerZone()
  // Sessions go into a space the caller may plan in, or a new one.
  const spaceSel = h('select', { id: 'new-space', name: 'space' }, h('option', { value: '' }, 'A new space of its own'))
  mySpaces().then(spaces => {
    for (const sp of spaces.filter(x => x.my_role !== 'viewer')) spaceSel.append(h('option', { value: sp.id }, sp.name))
    if (spaceSel.options.length > 1) spaceSel.selectedIndex = 1
  }).catch(() => {})
  const whenInput = h('input', { name: 'when', id: 'new-when', type: 'datetime-local' })
  const repeats = repeatsFields(() => whenInput.value, tz)
  whenInput.addEventListener('input', repeats.changed)
  const visSel = h('select', { id: 'new-visibility', name: 'visibility', 'aria-describedby': 'visibility-hint' },
    h('option', { value: 'space', selected: true }, "The space's members"),
    h('option', { value: 'private' }, 'Only people I invite to it'),
    h('option', { value: 'public' }, 'Anyone with the link (as viewers)'))
  const visHint = h('span', { class: 'hint', id: 'visibility-hint' })
  // A series' sessions are open to the space's members (the series API
  // takes no visibility).
  repeats.el.addEventListener('input', () => {
    const on = repeats.read() !== null
    if (on) visSel.value = 'space'
    visSel.disabled = on
    visHint.textContent = on ? "Each session of a series is open to the space's members." : ''
    submitLabel()
  })
  const done = h('div', { id: 'series-made' })
  const submitLabel = (): void => {
    const b = form.querySelector('#create') as HTMLButtonElement
    b.textContent = repeats.read() === null ? 'Create session' : 'Create series'
  }
  const form = h('form', { class: 'card new-session', 'aria-labelledby': 'new-title' },
    h('h2', { id: 'new-title' }, 'Plan a session'),
    h('p', {}, h('label', { for: 'new-session-title' }, 'Title'),
      h('input', { name: 'title', id: 'new-session-title', type: 'text', required: true, maxlength: '200', placeholder: 'Weekly sync' })),
    h('p', {}, h('label', { for: 'new-when' }, 'Starts'),
      whenInput,
      h('span', { class: 'hint' }, `Your time zone: ${tz}. Empty means now.`)),
    repeats.el,
    h('p', {}, h('label', { for: 'new-space' }, 'Space'), spaceSel,
      h('span', { class: 'hint' }, 'Its members can find and open it, as the visibility says.')),
    h('p', {}, h('label', { for: 'new-visibility' }, 'Who can open it'),
      visSel, visHint),
    h('fieldset', {}, h('legend', {}, 'Agenda'), agendaRows,
      h('button', { type: 'button', onclick: addRow, id: 'add-item' }, '+ Add item')),
    h('p', {}, h('button', { type: 'submit', class: 'primary wide', id: 'create' }, 'Create session')),
    done)
  form.addEventListener('submit', e => {
    e.preventDefault()
    const fd = new FormData(form)
    const titles = fd.getAll('item').map(String)
    const minutes = fd.getAll('minutes').map(Number)
    const agenda = titles.map((t, i) => ({ id: `a${i + 1}`, title: t.trim(), minutes: minutes[i] || 0 }))
      .filter(a => a.title !== '')
    const whenVal = String(fd.get('when') ?? '')
    const submit = form.querySelector('#create') as HTMLButtonElement
    submit.disabled = true
    submit.textContent = 'Creating…'
    const series = repeats.read()
    const title = String(fd.get('title') ?? '').trim()
    const start = new Date(whenVal === '' ? Date.now() : instantOf(whenVal, tz)).toISOString()
    const spaceId = spaceSel.value === '' ? undefined : spaceSel.value
    const again = (): void => {
      submit.disabled = false
      submitLabel()
    }
    if (series !== null) {
      createSeries({ title, time_zone: tz, start, rule: series.rule, agenda, space_id: spaceId }).then(({ first }) => {
        again()
        markRepeating(first.id, series.words)
        done.replaceChildren(h('div', { class: 'notice', role: 'status' },
          h('p', {}, `“${first.title}” is planned as a series: each time becomes a session of its own. The first:`),
          h('ul', { class: 'sessions' }, h('li', { class: 'session-row', id: 'first-occurrence' },
            h('a', { class: 'session-title', href: withToken('/s/' + first.id) }, first.title),
            h('span', { class: 'muted when' }, sessionWhen(first)),
            repeatsMark(first.id)))))
        done.scrollIntoView({ block: 'nearest' })
        ;(form.querySelector('#new-session-title') as HTMLInputElement).value = ''
        document.getElementById('sessions-scheduled')?.replaceWith(listSections[1]())
        if (spaceId === undefined) forgetSpaces()
        document.getElementById('spaces')?.replaceWith(spacesSection())
      }).catch(err => { again(); showError(form, err) })
      return
    }
    api<Session>('POST', '/api/sessions', {
      title,
      time_zone: tz,
      scheduled_at: start,
      agenda,
      space_id: spaceId,
      visibility: String(fd.get('visibility') ?? 'space')
    }).then(s => { location.href = withToken('/s/' + s.id) })
      .catch(err => { again(); showError(form, err) })
  })
  return form
}

// The lobby's sections, in order; later features add theirs here.
const listSections: Section[] = [
  sessionList('live', 'Live now', 'No session is live right now.'),
  sessionList('scheduled', 'Upcoming', 'Nothing planned yet. Plan a session with the form.'),
  sessionList('ended', 'Past', 'No past sessions yet. Notes of ended sessions appear here.'),
  spacesSection
]
const sideSections: Section[] = [yourName, newSession, newSpace]

// yourName is the profile card: the name and colour others see.
function yourName (): HTMLElement {
  const sec = h('section', { class: 'card', id: 'your-name' })
  api<Me>('GET', '/api/me').then(me => sec.append(profileForm(me, 'me', () => {})))
    .catch(err => showError(sec, err))
  return sec
}
