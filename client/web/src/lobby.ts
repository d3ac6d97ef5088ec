// The lobby: upcoming, live and past sessions; create one with an agenda.

import { api, Session, withToken } from './api'
import { h, showError } from './dom'

export async function lobby (root: HTMLElement): Promise<void> {
  document.title = 'cocreate'
  const lists = h('div', { class: 'columns' })
  const agendaRows = h('ol', { class: 'agenda-edit' })
  const addRow = (): void => {
    const n = agendaRows.children.length + 1
    agendaRows.append(h('li', {},
      h('label', {}, `Item ${n} `, h('input', { name: 'item', type: 'text', maxlength: '200' })),
      h('label', {}, ' minutes ', h('input', { name: 'minutes', type: 'number', min: '0', max: '1440', value: '10' }))
    ))
  }
  addRow()
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC'
  const form = h('form', { class: 'card', 'aria-labelledby': 'new-title' },
    h('h2', { id: 'new-title' }, 'New session'),
    h('p', {}, h('label', {}, 'Title ', h('input', { name: 'title', type: 'text', required: true, maxlength: '200' }))),
    h('p', {}, h('label', {}, 'Starts ', h('input', { name: 'when', type: 'datetime-local' })),
      ' ', h('span', { class: 'muted' }, tz)),
    h('fieldset', {}, h('legend', {}, 'Agenda'), agendaRows,
      h('button', { type: 'button', onclick: addRow }, 'Add item')),
    h('p', {}, h('button', { type: 'submit', class: 'primary' }, 'Create session'))
  )
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const fd = new FormData(form)
    const titles = fd.getAll('item').map(String)
    const minutes = fd.getAll('minutes').map(Number)
    const agenda = titles.map((t, i) => ({ id: `a${i + 1}`, title: t.trim(), minutes: minutes[i] || 0 }))
      .filter(a => a.title !== '')
    const when = String(fd.get('when') ?? '')
    api<Session>('POST', '/api/sessions', {
      title: String(fd.get('title') ?? '').trim(),
      time_zone: tz,
      scheduled_at: when === '' ? new Date().toISOString() : new Date(when).toISOString(),
      agenda
    }).then(s => { location.href = withToken('/s/' + s.id) })
      .catch(err => showError(form, err))
  })
  root.append(h('h1', {}, 'Sessions'), form, lists)
  for (const [state, label] of [['live', 'Live now'], ['scheduled', 'Upcoming'], ['ended', 'Past']] as const) {
    const ul = h('ul', { class: 'sessions', 'aria-label': label })
    lists.append(h('section', { class: 'card' }, h('h2', {}, label), ul))
    api<{ sessions: Session[] }>('GET', '/api/sessions?state=' + state).then(page => {
      if (page.sessions.length === 0) ul.append(h('li', { class: 'muted' }, 'None'))
      for (const s of page.sessions) {
        const when = new Date(s.scheduled_at).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short', timeZone: s.time_zone })
        ul.append(h('li', {},
          h('a', { href: withToken(state === 'ended' ? '/read/' + s.id : '/s/' + s.id) }, s.title),
          ' ', h('span', { class: 'muted' }, `${when} (${s.time_zone})`),
          state === 'ended' ? '' : h('span', {}, ' · ', h('a', { href: withToken('/read/' + s.id) }, 'notes'))
        ))
      }
    }).catch(err => showError(ul, err))
  }
}
