// The session room: the shared notes in TipTap with everyone's carets,
// and the live meeting (participants, agenda, timer, hands, polls) read
// from the {id}/meeting document and changed through commands.

import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { Editor } from '@tiptap/core'
import StarterKit from '@tiptap/starter-kit'
import { TaskList, TaskItem } from '@tiptap/extension-list'
import Collaboration from '@tiptap/extension-collaboration'
import CollaborationCaret from '@tiptap/extension-collaboration-caret'
import { api, command, Me, Session, token, withToken } from './api'
import { clear, colorOf, fmtDuration, fmtTime, h, showError } from './dom'

const syncURL = (): string => (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/sync'

function provider (room: string, doc: Y.Doc): WebsocketProvider {
  return new WebsocketProvider(syncURL(), room, doc, {
    disableBc: true,
    params: token === '' ? {} : { token },
    maxBackoffTime: 2500
  })
}

export async function room (root: HTMLElement, id: string): Promise<void> {
  // One request first: in dev mode it fixes the guest identity (cookie)
  // the later requests and sockets carry.
  const me = await api<Me>('GET', '/api/me')
  const sess = await api<Session>('GET', '/api/sessions/' + encodeURIComponent(id))
  document.title = sess.title + ' — cocreate'
  let role = sess.my_role ?? 'member'
  const runs = (): boolean => role === 'host' || role === 'cohost'

  const status = h('span', { class: 'status', role: 'status', 'aria-live': 'polite' }, 'connecting…')
  const editorEl = h('div', { class: 'editor', id: 'editor' })
  const side = h('aside', { class: 'meeting', 'aria-label': 'Meeting' })
  root.append(
    h('header', { class: 'room-head' },
      h('h1', {}, sess.title),
      h('span', { class: 'muted' }, ` you are ${me.name} (${role}) · `),
      status, ' · ',
      h('a', { href: withToken('/read/' + id) }, 'Notes reader'), ' · ',
      h('a', { href: withToken('/') }, 'Lobby')),
    h('div', { class: 'room' },
      h('main', { class: 'notes' }, h('h2', { class: 'sr-only' }, 'Notes'), editorEl),
      side)
  )

  // The notes.
  const notesDoc = new Y.Doc()
  const notes = provider(id + '/notes', notesDoc)
  const user = { name: me.name, color: colorOf(me.subject) }
  const editor = new Editor({
    element: editorEl,
    editable: role !== 'viewer',
    extensions: [
      StarterKit.configure({ undoRedo: false }),
      TaskList,
      TaskItem.configure({ nested: true }),
      Collaboration.configure({ document: notesDoc }),
      CollaborationCaret.configure({ provider: notes, user })
    ],
    editorProps: { attributes: { 'aria-label': 'Shared notes', role: 'textbox', 'aria-multiline': 'true' } }
  })
  ;(window as any).cocreate = { editor, notesDoc, notes }
  notes.on('status', (e: { status: string }) => {
    status.textContent = e.status === 'connected' ? 'connected' : e.status === 'connecting' ? 'reconnecting…' : 'offline'
    status.dataset.state = e.status
  })
  notes.on('sync', (synced: boolean) => { if (synced) status.dataset.synced = 'yes' })

  // The meeting.
  const meetingDoc = new Y.Doc()
  provider(id + '/meeting', meetingDoc)
  const run = (cmd: Record<string, unknown>): void => {
    command(id, cmd).catch(err => showError(side, err))
  }
  const render = (): void => renderMeeting(side, meetingDoc, me, sess, runs(), role === 'viewer', run)
  meetingDoc.on('update', () => {
    // My role may have been changed by the host.
    const mine = (meetingDoc.getMap('participants').get(me.subject) as Y.Map<any> | undefined)?.get('role')
    if (typeof mine === 'string' && mine !== role && mine !== 'host') {
      role = mine as typeof role
      editor.setEditable(role !== 'viewer')
    }
    render()
  })
  render()
  setInterval(() => {
    const t = side.querySelector('[data-timer]')
    if (t !== null) t.textContent = timerText(meetingDoc.getMap('timer'))
  }, 250)
}

function timerText (timer: Y.Map<any>): string {
  const state = timer.get('state')
  if (state === 'running') return fmtDuration(Number(timer.get('endsAt')) - Date.now())
  if (state === 'paused') return fmtDuration(Number(timer.get('remainingMs'))) + ' (paused)'
  const d = Number(timer.get('durationMs') ?? 0)
  return d > 0 ? fmtDuration(d) : '—'
}

function renderMeeting (side: HTMLElement, doc: Y.Doc, me: Me, sess: Session, runs: boolean, viewer: boolean,
  run: (c: Record<string, unknown>) => void): void {
  const focused = document.activeElement?.id
  clear(side)
  const session = doc.getMap('session').toJSON()
  const agenda = doc.getArray('agenda').toJSON() as any[]
  const current = doc.getMap('current').toJSON()
  const hands = doc.getArray('hands').toJSON() as any[]
  const polls = doc.getMap('polls').toJSON() as Record<string, any>
  const people = doc.getMap('participants').toJSON() as Record<string, any>
  const btn = (id: string, label: string, cmd: Record<string, unknown>): HTMLElement =>
    h('button', { type: 'button', id, onclick: () => run(cmd) }, label)

  // Session state.
  side.append(h('section', { 'aria-labelledby': 'st' },
    h('h2', { id: 'st' }, 'Session: ', h('span', { id: 'session-state' }, String(session.state ?? sess.state))),
    runs && session.state === 'scheduled' ? btn('start', 'Start session', { type: 'session.start' }) : null,
    runs && session.state === 'live' ? btn('end', 'End session', { type: 'session.end' }) : null))

  // Participants.
  const present = Object.entries(people).filter(([, p]) => p.leftAt === undefined)
  side.append(h('section', { 'aria-labelledby': 'pp' },
    h('h2', { id: 'pp' }, `Here (${present.length})`),
    h('ul', { id: 'participants' }, ...present.map(([sub, p]) => h('li', { 'data-subject': sub },
      h('span', { class: 'dot', style: `background:${colorOf(sub)}` }), `${String(p.name)} `,
      h('span', { class: 'muted' }, String(p.role)),
      runs && sub !== me.subject && p.role !== 'host'
        ? h('select', {
          'aria-label': 'Role of ' + String(p.name),
          onchange: (e: Event) => run({ type: 'role.set', subject: sub, role: (e.target as HTMLSelectElement).value })
        }, ...['cohost', 'member', 'viewer'].map(r => h('option', { value: r, selected: r === p.role }, r)))
        : null)))))

  // Agenda.
  side.append(h('section', { 'aria-labelledby': 'ag' },
    h('h2', { id: 'ag' }, 'Agenda'),
    h('ol', { id: 'agenda' }, ...agenda.map(a => h('li', {
      class: a.id === current.item ? 'current' : a.done === true ? 'done' : '',
      'aria-current': a.id === current.item ? 'step' : false
    }, String(a.title), h('span', { class: 'muted' }, ` ${Number(a.minutes)} min`),
    a.id === current.item && current.since !== undefined
      ? h('span', { class: 'muted' }, ` · since ${fmtTime(Number(current.since), sess.time_zone)}`)
      : null))),
    runs
      ? h('div', { class: 'row' },
        btn('agenda-prev', 'Previous', { type: 'agenda.previous' }),
        btn('agenda-next', 'Next item', { type: 'agenda.next' }))
      : null,
    runs ? agendaAddForm(run) : null))

  // Timer.
  const timer = doc.getMap('timer')
  side.append(h('section', { 'aria-labelledby': 'tm' },
    h('h2', { id: 'tm' }, 'Timer ', h('span', { 'data-timer': '', id: 'timer', 'aria-live': 'off' }, timerText(timer))),
    runs
      ? h('div', { class: 'row' },
        btn('timer-5', 'Start 5 min', { type: 'timer.start', durationMs: 300000 }),
        timer.get('state') === 'running' ? btn('timer-pause', 'Pause', { type: 'timer.pause' }) : null,
        timer.get('state') === 'paused' ? btn('timer-resume', 'Resume', { type: 'timer.resume' }) : null,
        btn('timer-reset', 'Reset', { type: 'timer.reset' }))
      : null))

  // Hands.
  const mine = hands.some(x => x.subject === me.subject)
  side.append(h('section', { 'aria-labelledby': 'hd' },
    h('h2', { id: 'hd' }, `Raised hands (${hands.length})`),
    h('ol', { id: 'hands' }, ...hands.map(x => h('li', { 'data-subject': String(x.subject) }, String(x.name),
      runs ? h('button', { type: 'button', onclick: () => run({ type: 'hand.lower', subject: x.subject }) }, 'Lower') : null))),
    h('div', { class: 'row' },
      !viewer && !mine ? btn('raise', 'Raise hand', { type: 'hand.raise' }) : null,
      !viewer && mine ? btn('lower', 'Lower my hand', { type: 'hand.lower' }) : null,
      runs && hands.length > 0 ? btn('hand-next', 'Call next', { type: 'hand.next' }) : null)))

  // Polls.
  const pollList = h('div', { id: 'polls' })
  for (const p of Object.values(polls)) {
    const counts = (p.state === 'closed' ? p.results : p.counts) as number[] ?? []
    pollList.append(h('fieldset', { class: 'poll', 'data-poll': String(p.id) },
      h('legend', {}, String(p.question), p.state === 'closed' ? ' (closed)' : ''),
      ...(p.options as string[]).map((o, i) => h('div', { class: 'row' },
        !viewer && p.state === 'open'
          ? h('button', { type: 'button', onclick: () => run({ type: 'poll.vote', id: p.id, choices: [i] }) }, 'Vote: ' + o)
          : h('span', {}, o),
        h('span', { class: 'muted' }, ` ${counts[i] ?? 0}`))),
      runs && p.state === 'open' ? btn('close-' + String(p.id), 'Close poll', { type: 'poll.close', id: p.id }) : null))
  }
  side.append(h('section', { 'aria-labelledby': 'pl' }, h('h2', { id: 'pl' }, 'Polls'), pollList,
    runs ? pollForm(run) : null))
  if (focused !== undefined && focused !== '') document.getElementById(focused)?.focus()
}

function agendaAddForm (run: (c: Record<string, unknown>) => void): HTMLElement {
  const f = h('form', { class: 'row' },
    h('label', {}, 'New item ', h('input', { name: 'title', id: 'agenda-new', required: true, maxlength: '200' })),
    h('button', { type: 'submit' }, 'Add'))
  f.addEventListener('submit', e => {
    e.preventDefault()
    const title = String(new FormData(f).get('title') ?? '').trim()
    if (title !== '') run({ type: 'agenda.add', title, minutes: 5 })
  })
  return f
}

function pollForm (run: (c: Record<string, unknown>) => void): HTMLElement {
  const f = h('form', {},
    h('p', {}, h('label', {}, 'Question ', h('input', { name: 'q', id: 'poll-q', required: true, maxlength: '500' }))),
    h('p', {}, h('label', {}, 'Options (comma-separated) ', h('input', { name: 'o', id: 'poll-o', required: true }))),
    h('p', {}, h('label', {}, h('input', { name: 'anon', type: 'checkbox' }), ' anonymous'), ' ',
      h('button', { type: 'submit', id: 'poll-create' }, 'Create poll')))
  f.addEventListener('submit', e => {
    e.preventDefault()
    const fd = new FormData(f)
    const options = String(fd.get('o') ?? '').split(',').map(s => s.trim()).filter(s => s !== '')
    run({ type: 'poll.create', question: String(fd.get('q') ?? '').trim(), options, anonymous: fd.get('anon') !== null })
  })
  return f
}
