// A space's open tasks: the panel "Open tasks" on each space card of the
// lobby (spaces.ts). Task items of the space's notes, grouped by owner
// (the member an @name resolves to, by display name, else the @name as
// written, then the tasks nobody owns) or by session, as the server
// groups them. A task carried into later occurrences of a series shows
// once, as its newest copy, with the session it came from.

import { api, Member, Session, Space, Task, TaskGroup, withToken } from './api'
import { emptyState, h, showError } from './dom'
import { dateText, day, timeEl, today } from './time'

type GroupBy = 'owner' | 'session'

const howTo = 'No open tasks. Add a checkbox item in a session’s notes; write @name to give it an owner and a date like 2026-12-10 for its due date.'

// What a group and a task need besides the tasks: the members' names
// and the sessions (for their days), each empty if it could not be read.
interface Context {
  names: Map<string, string>
  sessions: Map<string, Session>
  titles: Map<string, string>
}

export function tasksPanel (sp: Space): HTMLElement {
  const id = encodeURIComponent(sp.id)
  const body = h('div', { class: 'task-groups', 'aria-live': 'polite', 'data-errors': '' })
  const radio = (value: GroupBy, label: string): HTMLElement =>
    h('label', { class: 'check' }, h('input', { type: 'radio', name: 'group-' + sp.id, value, checked: value === 'owner' }), label)
  const groupBy = h('fieldset', { class: 'group-by row' }, h('legend', {}, 'Group by'), radio('owner', 'Owner'), radio('session', 'Session'))
  const det = h('details', { class: 'tasks-panel', id: 'tasks-' + sp.id }, h('summary', {}, 'Open tasks'), groupBy, body)
  const load = (): void => {
    const group = (groupBy.querySelector('input:checked') as HTMLInputElement | null)?.value === 'session' ? 'session' : 'owner'
    body.setAttribute('aria-busy', 'true')
    Promise.all([
      api<{ tasks: Task[], groups?: TaskGroup[] }>('GET', `/api/spaces/${id}/tasks?group_by=${group}`),
      api<{ members: Member[] }>('GET', `/api/spaces/${id}/members`).then(r => r.members).catch(() => []),
      api<{ sessions: Session[] }>('GET', `/api/sessions?limit=200&space_id=${id}`).then(r => r.sessions).catch(() => [])
    ]).then(([r, members, sessions]) => {
      const cx: Context = {
        names: new Map(members.map(m => [m.subject, m.name])),
        sessions: new Map(sessions.map(s => [s.id, s])),
        titles: new Map(r.tasks.map(t => [t.session_id, t.session_title]))
      }
      const groups = newest(r.tasks, r.groups ?? [])
      body.removeAttribute('aria-busy')
      groupBy.hidden = groups.length === 0
      body.replaceChildren(...(groups.length === 0 ? [emptyState(howTo)] : groups.map((g, i) => groupEl(sp, g, i, group, cx))))
    }).catch(err => { body.removeAttribute('aria-busy'); body.replaceChildren(); showError(body, err) })
  }
  det.addEventListener('toggle', () => { if (det.open) load() })
  groupBy.addEventListener('change', load)
  return det
}

// newest keeps one copy of each task in groups: the copy no other copy
// was carried from. Groups left empty go; the tasks nobody owns last.
function newest (tasks: Task[], groups: TaskGroup[]): TaskGroup[] {
  const carried = new Set(tasks.filter(t => t.from_session_id !== undefined).map(t => `${t.task_id ?? ''} ${t.from_session_id ?? ''}`))
  const out = groups.map(g => ({ ...g, tasks: g.tasks.filter(t => t.task_id === undefined || !carried.has(`${t.task_id} ${t.session_id}`)) }))
    .filter(g => g.tasks.length > 0)
  return [...out.filter(g => g.session_id !== undefined || g.owner !== undefined), ...out.filter(g => g.session_id === undefined && g.owner === undefined)]
}

function ownerName (owner: string | undefined, subject: string | undefined, cx: Context): string {
  if (subject !== undefined && cx.names.has(subject)) return cx.names.get(subject) as string
  return owner === undefined ? 'No owner' : '@' + owner
}

// sessionLink links a session's room, named with its day ("Weekly
// call (Wed 9 Dec)": the occurrences of a series share their title).
function sessionLink (sessionID: string, title: string | undefined, cx: Context): HTMLElement {
  const s = cx.sessions.get(sessionID)
  const at = s === undefined ? undefined : s.started_at ?? s.scheduled_at
  return h('a', { href: withToken('/s/' + sessionID), class: 'task-session' },
    title ?? s?.title ?? 'an earlier session', ...(at === undefined ? [] : [' (', timeEl(at, day(at)), ')']))
}

function groupEl (sp: Space, g: TaskGroup, i: number, by: GroupBy, cx: Context): HTMLElement {
  const hid = `tasks-${sp.id}-${i}`
  const title = by === 'owner' ? ownerName(g.owner, g.owner_subject, cx) : null
  const n = g.tasks.length
  return h('section', { class: 'task-group', 'aria-labelledby': hid },
    h('h4', { id: hid }, title ?? sessionLink(g.session_id ?? '', g.session_title, cx),
      h('span', { class: 'muted' }, ` · ${n} ${n === 1 ? 'task' : 'tasks'}`)),
    h('ul', { class: 'task-list' }, ...g.tasks.map(t => taskEl(t, by, cx))))
}

function taskEl (t: Task, by: GroupBy, cx: Context): HTMLElement {
  const meta: Array<Node | string> = []
  if (t.due !== undefined) {
    const late = t.due < today()
    meta.push(h('span', { class: late ? 'due overdue' : 'due' }, late ? 'Overdue: due ' : 'Due ',
      h('time', { datetime: t.due }, dateText(t.due))))
  }
  if (by === 'owner') meta.push(h('span', {}, 'in ', sessionLink(t.session_id, t.session_title, cx)))
  else meta.push(h('span', {}, t.owner === undefined ? 'No owner' : 'for ' + ownerName(t.owner, t.owner_subject, cx)))
  if (t.from_session_id !== undefined) meta.push(h('span', { class: 'task-from' }, 'from ', sessionLink(t.from_session_id, cx.titles.get(t.from_session_id), cx)))
  return h('li', { class: 'task', 'data-task': t.task_id ?? '', 'data-session': t.session_id },
    h('span', { class: 'task-text' }, t.text),
    h('span', { class: 'task-meta muted' }, ...meta.flatMap((m, k) => k === 0 ? [m] : [' · ', m])))
}
