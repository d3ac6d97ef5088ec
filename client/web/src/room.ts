// The session room: the shared notes (editor.ts) beside the live meeting
// (meeting.ts), one status line in the header (status.ts), and on narrow
// screens two tabs, Notes and Meeting, so the meeting controls are one
// tap away instead of below the notes.

import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { APIError, api, command, Me, Role, Session, token, withToken } from './api'
import { h, showError } from './dom'
import { inviteButton, noAccess, profileDialog } from './access'
import { notesEditor } from './editor'
import { MeetingPanel, roleName } from './meeting'
import { Status } from './status'
import { brand } from './shell'
import { calendarLink } from './calendar'
import { plan, timeEl } from './time'
import { Names, RSVPPanel } from './rsvp'

const syncURL = (): string => (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/sync'

// provider connects doc; saved asks the server for saved messages
// (status.ts shows "All changes saved" from them).
function provider (room: string, doc: Y.Doc, saved = false): WebsocketProvider {
  const params: Record<string, string> = token === '' ? {} : { token }
  if (saved) params.saved = '1'
  return new WebsocketProvider(syncURL(), room, doc, {
    disableBc: true,
    params,
    maxBackoffTime: 2500
  })
}

const canEdit = (r: Role): boolean => r !== 'viewer'

export async function room (root: HTMLElement, id: string): Promise<void> {
  // One request first: in dev mode it fixes the guest identity (cookie)
  // the later requests and sockets carry.
  const me = await api<Me>('GET', '/api/me')
  let sess: Session
  try {
    sess = await api<Session>('GET', '/api/sessions/' + encodeURIComponent(id))
  } catch (err) {
    if (err instanceof APIError && err.status === 404) { noAccess(root); return }
    throw err
  }
  document.title = sess.title + ' — cocreate'
  let role: Role = sess.my_role ?? 'member'

  const status = new Status()
  // The chip opens "Your name": a new name reaches the carets and the
  // participants when the sockets reconnect (the server stamps them), so
  // the page reloads after saving.
  const roleChip = h('button', { type: 'button', class: 'role-chip', id: 'my-role', title: 'Change your name or colour' })
  roleChip.addEventListener('click', () => profileDialog(me, () => location.reload()))
  const showRole = (): void => {
    roleChip.replaceChildren(`${me.name} · ${roleName(role)}`, h('span', { class: 'sr-only' }, ': change your name'),
      h('span', { class: 'edit-mark', 'aria-hidden': 'true' }, '✎'))
  }
  showRole()
  const editorEl = h('div', { class: 'editor', id: 'editor' })
  const notesPane = h('main', { class: 'pane notes-pane', id: 'pane-notes', role: 'tabpanel', 'aria-labelledby': 'tab-notes' },
    h('h2', { class: 'sr-only' }, 'Notes'))
  const meetingPane = h('aside', { class: 'pane meeting-pane', id: 'pane-meeting', role: 'tabpanel', 'aria-labelledby': 'tab-meeting' },
    h('h2', { class: 'sr-only' }, 'Meeting'))
  const layout = h('div', { class: 'room', 'data-tab': 'notes' }, notesPane, meetingPane)
  const tab = (which: 'notes' | 'meeting', label: string): HTMLButtonElement => h('button', {
    type: 'button', role: 'tab', id: 'tab-' + which, 'aria-controls': 'pane-' + which,
    'aria-selected': String(which === 'notes'), tabindex: which === 'notes' ? '0' : '-1',
    onclick: () => select(which)
  }, label)
  const tabNotes = tab('notes', 'Notes')
  const badge = h('span', { class: 'tab-badge', id: 'tab-badge', hidden: true })
  const tabMeeting = tab('meeting', 'Meeting')
  tabMeeting.append(badge)
  const select = (which: 'notes' | 'meeting'): void => {
    layout.dataset.tab = which
    for (const [t, w] of [[tabNotes, 'notes'], [tabMeeting, 'meeting']] as const) {
      t.setAttribute('aria-selected', String(w === which))
      t.tabIndex = w === which ? 0 : -1
    }
  }
  const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Room' }, tabNotes, tabMeeting)
  tabs.addEventListener('keydown', e => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return
    const next = layout.dataset.tab === 'notes' ? 'meeting' : 'notes'
    select(next)
    ;(next === 'notes' ? tabNotes : tabMeeting).focus()
  })

  root.append(
    h('header', { class: 'topbar room-head' },
      brand(),
      h('div', { class: 'title-block' },
        h('h1', { class: 'room-title' }, sess.title),
        h('p', { class: 'meta room-when' }, timeEl(sess.scheduled_at, plan(sess), { id: 'room-when' })),
        h('div', { class: 'row meta' }, status.el)),
      h('nav', { class: 'row head-links', 'aria-label': 'Session' },
        roleChip,
        role === 'host' || role === 'cohost' ? inviteButton('session', id, sess.title) : null,
        calendarLink(id, sess.title),
        h('a', { href: withToken('/read/' + id), id: 'open-reader' }, 'Notes & versions'))),
    tabs,
    layout)

  // The notes.
  const notesDoc = new Y.Doc()
  const notes = provider(id + '/notes', notesDoc, true)
  status.watch(notes, notesDoc)
  const ed = notesEditor(editorEl, notesDoc, notes, { name: me.name, color: me.color }, canEdit(role))
  notesPane.append(ed.toolbar, editorEl)
  const readOnly = h('p', { class: 'readonly-note', id: 'readonly-note', hidden: canEdit(role) },
    'You are a viewer: you can read the notes and follow the meeting, but not edit or take part.')
  notesPane.prepend(readOnly)
  ed.setEditable(canEdit(role), 'Viewers can read but not edit')
  ;(window as any).cocreate = { editor: ed.editor, notesDoc, notes }

  // The meeting.
  const meetingDoc = new Y.Doc()
  provider(id + '/meeting', meetingDoc)
  const run = async (cmd: Record<string, unknown>, from: Element): Promise<boolean> => {
    if (!status.online) {
      showError(from, new Error("You're offline. This works again once the connection is back."))
      return false
    }
    try {
      await command(id, cmd)
      return true
    } catch (err) {
      showError(from, err)
      return false
    }
  }
  const panel = new MeetingPanel(meetingDoc, { id, me, sess, role: () => role, status, run })
  meetingPane.append(panel.el)

  // "Are you going?" under the meeting's state, until it ends; hosts
  // see who answered, by the names of the space's members.
  const names = new Names()
  const rsvp = new RSVPPanel(id, me, () => role, names)
  panel.el.insertBefore(rsvp.el, panel.el.children[1] ?? null)
  rsvp.setState(sess.state)
  void names.loadSpace(sess).then(() => rsvp.render())
  window.setInterval(() => { if (document.visibilityState === 'visible' && !rsvp.el.hidden) void rsvp.refresh() }, 20000)

  // My role may be changed by whoever runs the meeting: follow it, say so.
  meetingDoc.on('update', () => {
    meetingDoc.getMap('participants').forEach((p, sub) => names.add(sub, p instanceof Y.Map ? p.get('name') : undefined))
    const mine = (meetingDoc.getMap('participants').get(me.subject) as Y.Map<any> | undefined)?.get('role')
    if (typeof mine !== 'string' || mine === role) return
    const was = role
    role = mine as Role
    showRole()
    ed.setEditable(canEdit(role), 'Viewers can read but not edit')
    readOnly.hidden = canEdit(role)
    const what = role === 'viewer'
      ? 'You can now read the notes but not edit them.'
      : role === 'cohost' ? 'You can now run the meeting.' : was === 'viewer' ? 'You can now edit the notes and take part.' : ''
    status.announce(`Your role is now ${roleName(role)}. ${what}`, true)
    panel.render()
  })
  document.addEventListener('meeting', e => {
    const d = (e as CustomEvent).detail as { state: 'scheduled' | 'live' | 'ended', hands: number }
    rsvp.setState(d.state)
    badge.hidden = d.state !== 'live'
    badge.textContent = d.hands > 0 ? `${d.hands} ${d.hands === 1 ? 'hand' : 'hands'}` : 'Live'
  })
}

