// The lobby's spaces: each space of the caller with its sessions (live,
// upcoming, past, as the API lists them to the caller), its open tasks
// (tasks.ts), its invite link and, for owners and admins, its members
// (list, change role, remove);
// and the form that makes a new space.

import { api, Me, Member, Session, Space, SpaceRole, withToken } from './api'
import { inviteButton } from './access'
import { subscribeButton } from './calendar'
import { tasksPanel } from './tasks'
import { sessionWhen } from './time'
import { repeatsMark } from './series'
import { ask } from './dialog'
import { emptyState, h, initials, showError, swatch } from './dom'

const manages = (r: SpaceRole): boolean => r === 'owner' || r === 'admin'
const stateWord = { live: 'Live', scheduled: 'Upcoming', ended: 'Past' }
const roleLabel: Record<SpaceRole, string> = { owner: 'Owner', admin: 'Admin', member: 'Member', viewer: 'Viewer' }

// mySpaces lists the caller's spaces; the lobby asks for it once (the
// new-session form offers the same spaces).
let spacesOnce: Promise<Space[]> | null = null
export const mySpaces = async (): Promise<Space[]> => {
  spacesOnce ??= api<{ spaces: Space[] }>('GET', '/api/spaces').then(r => r.spaces)
  return await spacesOnce
}

// forgetSpaces makes the next mySpaces ask again (a space was made).
export const forgetSpaces = (): void => { spacesOnce = null }

export function spacesSection (): HTMLElement {
  const list = h('div', { class: 'spaces', 'aria-busy': 'true' })
  const sec = h('section', { class: 'card', id: 'spaces', 'aria-labelledby': 'spaces-title' },
    h('h2', { id: 'spaces-title' }, 'Your spaces'), list)
  mySpaces().then(spaces => {
    list.removeAttribute('aria-busy')
    if (spaces.length === 0) list.replaceWith(emptyState('You are in no space yet. Create one, or open an invite link someone sent you.'))
    for (const sp of spaces) list.append(spaceCard(sp))
  }).catch(err => { list.removeAttribute('aria-busy'); showError(sec, err) })
  return sec
}

// inCardOrder puts a space's sessions as a person scans them: live ones,
// then upcoming ones soonest first, then past ones latest first.
function inCardOrder (list: Session[]): Session[] {
  const rank = { live: 0, scheduled: 1, ended: 2 }
  const at = (s: Session): number => Date.parse(s.started_at ?? s.scheduled_at)
  return [...list].sort((a, b) => rank[a.state] - rank[b.state] ||
    (a.state === 'ended' ? at(b) - at(a) : at(a) - at(b)))
}

function spaceCard (sp: Space): HTMLElement {
  const sessions = h('ul', { class: 'sessions', 'aria-label': 'Sessions of ' + sp.name })
  const el = h('article', { class: 'space', 'data-space': sp.id, 'aria-labelledby': 'space-' + sp.id },
    h('div', { class: 'row spread' },
      h('h3', { id: 'space-' + sp.id }, sp.name, ' ', h('span', { class: 'badge' }, roleLabel[sp.my_role])),
      h('div', { class: 'row' }, subscribeButton(sp.id, sp.name), manages(sp.my_role) ? inviteButton('space', sp.id, sp.name) : null)),
    sessions)
  api<{ sessions: Session[] }>('GET', '/api/sessions?limit=20&space_id=' + encodeURIComponent(sp.id)).then(page => {
    if (page.sessions.length === 0) sessions.replaceWith(emptyState('No sessions in this space yet.'))
    for (const s of inCardOrder(page.sessions)) {
      sessions.append(h('li', { class: 'session-row' },
        h('a', { class: 'session-title', href: withToken((s.state === 'ended' ? '/read/' : '/s/') + s.id) }, s.title),
        h('span', { class: 'badge state-' + s.state }, stateWord[s.state]),
        h('span', { class: 'muted when' }, sessionWhen(s)),
        repeatsMark(s.id),
        s.visibility === 'private' ? h('span', { class: 'muted' }, 'private') : s.visibility === 'public' ? h('span', { class: 'muted' }, 'public link') : null))
    }
  }).catch(err => showError(el, err))
  el.append(tasksPanel(sp))
  if (manages(sp.my_role)) el.append(membersPanel(sp))
  return el
}

// membersPanel lists a space's members, loaded when opened; owners and
// admins change roles and remove people (the server has the last word:
// only owners touch owners, and the last owner stays).
function membersPanel (sp: Space): HTMLElement {
  const body = h('div', { class: 'members', 'data-errors': '' })
  const det = h('details', { class: 'members-panel' }, h('summary', {}, 'Members'), body)
  const load = (): void => {
    Promise.all([api<{ members: Member[] }>('GET', `/api/spaces/${encodeURIComponent(sp.id)}/members`), api<Me>('GET', '/api/me')]).then(([r, me]) => {
      body.replaceChildren(h('ul', { class: 'member-list' }, ...r.members.map(m => m.subject === me.subject
        ? memberRow(sp, { ...m, name: me.name }, true, load)
        : memberRow(sp, m, false, load))))
    }).catch(err => showError(body, err))
  }
  det.addEventListener('toggle', () => { if (det.open) load() })
  return det
}

// memberRow is one member; the caller's own row changes nothing (an
// owner steps down by making someone else owner first).
function memberRow (sp: Space, m: Member, self: boolean, reload: () => void): HTMLElement {
  const base = `/api/spaces/${encodeURIComponent(sp.id)}/members/${encodeURIComponent(m.subject)}`
  const roles: SpaceRole[] = sp.my_role === 'owner' ? ['owner', 'admin', 'member', 'viewer'] : ['admin', 'member', 'viewer']
  const locked = self || (sp.my_role !== 'owner' && m.role === 'owner')
  const sw = swatch(m.color, m.subject)
  const sel = h('select', { 'aria-label': 'Role of ' + m.name },
    ...roles.map(r => h('option', { value: r, selected: r === m.role }, roleLabel[r])))
  const row = h('li', { class: 'row member', 'data-subject': m.subject },
    h('span', { class: 'avatar', style: `background:${sw.bg};color:${sw.fg}`, 'aria-hidden': 'true' }, initials(m.name)),
    h('span', { class: 'grow member-name' }, m.name, self ? h('span', { class: 'muted' }, ' (you)') : null),
    locked ? h('span', { class: 'role-chip' }, roleLabel[m.role]) : sel,
    locked ? null : h('button', { type: 'button', class: 'danger', 'aria-label': 'Remove ' + m.name }, 'Remove'))
  sel.addEventListener('change', () => {
    api('PUT', base, { role: sel.value }).then(reload).catch(err => { showError(row, err); sel.value = m.role })
  })
  row.querySelector('button')?.addEventListener('click', () => {
    void ask({ title: `Remove ${m.name}?`, text: `${m.name} will lose access to “${sp.name}” and its sessions at once.`, ok: 'Remove', danger: true })
      .then(ok => { if (ok !== null) api('DELETE', base).then(reload).catch(err => showError(row, err)) })
  })
  return row
}

// newSpace is the form that makes a space; the lobby shows it at once.
export function newSpace (): HTMLElement {
  const form = h('form', { class: 'card', 'aria-labelledby': 'space-new-title' },
    h('h2', { id: 'space-new-title' }, 'New space'),
    h('p', { class: 'muted' }, 'A space holds a community’s sessions; only its members see them.'),
    h('p', {}, h('label', { for: 'space-name' }, 'Name'),
      h('input', { type: 'text', id: 'space-name', name: 'name', required: true, maxlength: '200', placeholder: 'Reading group' })),
    h('p', {}, h('button', { type: 'submit', id: 'space-create', class: 'wide' }, 'Create space')))
  form.addEventListener('submit', e => {
    e.preventDefault()
    const name = String(new FormData(form).get('name') ?? '').trim()
    api<Space>('POST', '/api/spaces', { name }).then(() => location.reload()).catch(err => showError(form, err))
  })
  return form
}
