// The live meeting panel: state (scheduled → live → ended), agenda with
// time spent against planned, timer, raised hands, people and polls, read
// from the {id}/meeting document. Each update re-renders into a detached
// tree that is morphed into the live one (dom.ts), so the control a person
// is using keeps focus while others raise hands, vote or move the agenda;
// clicks are delegated (data-cmd), never bound to re-rendered nodes.

import * as Y from 'yjs'
import { Role, withToken } from './api'
import { ask } from './dialog'
import { colorOf, emptyState, fmtClock, fmtLength, h, initials, morph, showError } from './dom'
import { clock, timeEl } from './time'
import { icon } from './icons'
import { Timer } from './timer'
import { pollView } from './polls'
import { btn, Ctx, MeetingState, Poll, View } from './panel'

export type { Ctx, MeetingState, Poll, View }

export function readState (doc: Y.Doc): MeetingState {
  return {
    session: doc.getMap('session').toJSON(),
    agenda: doc.getArray('agenda').toJSON() as MeetingState['agenda'],
    current: doc.getMap('current').toJSON(),
    timer: doc.getMap('timer').toJSON(),
    hands: doc.getArray('hands').toJSON() as MeetingState['hands'],
    polls: doc.getMap('polls').toJSON() as MeetingState['polls'],
    participants: doc.getMap('participants').toJSON() as MeetingState['participants']
  }
}

const runs = (r: Role): boolean => r === 'host' || r === 'cohost'

export class MeetingPanel {
  readonly el: HTMLElement
  private readonly dyn: Record<string, HTMLElement> = {}
  private readonly forms: Record<string, HTMLElement> = {}
  readonly timer: Timer
  private prev: MeetingState | null = null

  constructor (private readonly doc: Y.Doc, private readonly c: Ctx) {
    this.timer = new Timer(c.status)
    const sec = (key: string, title: string, ...extra: Array<HTMLElement | null>): HTMLElement => {
      this.dyn[key] = h('div', { class: 'dyn' })
      return h('section', { class: 'panel', id: 'sec-' + key, 'aria-labelledby': 'h-' + key },
        h('h2', { id: 'h-' + key }, title), this.dyn[key], ...extra)
    }
    this.forms.agenda = agendaForm(c)
    this.forms.timer = this.timer.form(c)
    this.forms.poll = pollForm(c)
    this.dyn.state = h('div', { class: 'dyn' })
    this.el = h('div', { class: 'meeting-panel' },
      h('section', { class: 'panel state-panel', id: 'sec-state', 'aria-label': 'Meeting status' }, this.dyn.state),
      sec('agenda', 'Agenda', this.forms.agenda),
      sec('timer', 'Timer', this.forms.timer),
      sec('hands', 'Raised hands'),
      sec('polls', 'Polls', this.forms.poll),
      sec('people', 'People'))
    this.el.addEventListener('click', e => { void this.click(e) })
    this.el.addEventListener('change', e => {
      const s = (e.target as Element).closest('select[data-role-of]')
      if (s instanceof HTMLSelectElement) void c.run({ type: 'role.set', subject: s.dataset.roleOf, role: s.value }, s)
    })
    doc.on('update', () => this.render())
    c.status.onOnline(() => this.render())
    window.setInterval(() => this.tick(), 250)
    this.render()
  }

  private async click (e: Event): Promise<void> {
    const b = (e.target as Element).closest<HTMLElement>('[data-cmd]')
    if (b === null) return
    if (b.getAttribute('aria-disabled') === 'true') {
      showError(b, new Error(b.dataset.reason ?? 'Not possible right now.'))
      return
    }
    const cmd = JSON.parse(b.dataset.cmd ?? '{}') as Record<string, unknown>
    if (b.dataset.confirm !== undefined) {
      const [title, text, ok] = b.dataset.confirm.split('|')
      if (await ask({ title, text, ok, danger: true }) === null) return
    }
    const done = await this.c.run(cmd, b)
    if (done && cmd.type === 'poll.vote') {
      rememberVote(this.c.id, String(cmd.id), cmd.choices as number[])
      this.render()
    }
  }

  render (): void {
    const s = readState(this.doc)
    const role = this.c.role()
    const st = s.session.state ?? this.c.sess.state
    const off = this.c.status.online ? undefined : "You're offline. This works again once the connection is back."
    const v: View = { s, st, role, runs: runs(role), off, me: this.c.me, id: this.c.id }
    morph(this.dyn.state, h('div', { class: 'dyn' }, stateView(v)))
    morph(this.dyn.agenda, h('div', { class: 'dyn' }, agendaView(v)))
    morph(this.dyn.timer, h('div', { class: 'dyn' }, this.timer.view(v)))
    morph(this.dyn.hands, h('div', { class: 'dyn' }, handsView(v)))
    morph(this.dyn.polls, h('div', { class: 'dyn' }, ...pollsView(v)))
    morph(this.dyn.people, h('div', { class: 'dyn' }, peopleView(v)))
    const ended = st === 'ended'
    this.forms.agenda.hidden = !v.runs || ended
    this.timer.showControls(v.runs && st === 'live')
    this.forms.poll.hidden = !v.runs || ended
    for (const f of Object.values(this.forms)) {
      for (const b of Array.from(f.querySelectorAll('button[type=submit]'))) {
        b.setAttribute('aria-disabled', String(off !== undefined))
        if (off !== undefined) b.setAttribute('data-reason', off)
      }
    }
    // Hands and the timer belong to the live meeting.
    for (const sec of ['#sec-hands', '#sec-timer']) {
      const el = this.el.querySelector<HTMLElement>(sec)
      if (el !== null) el.hidden = ended
    }
    this.el.dataset.state = st
    this.announce(s)
    this.prev = s
    this.timer.update(s.timer)
    this.tick()
    document.dispatchEvent(new CustomEvent('meeting', { detail: { state: st, hands: s.hands.length } }))
  }

  // announce tells screen readers what others did: hands, polls, the
  // meeting starting and ending.
  private announce (s: MeetingState): void {
    const p = this.prev
    if (p === null) return
    const say = (m: string): void => this.c.status.announce(m)
    const before = new Set(p.hands.map(x => x.subject))
    const now = new Set(s.hands.map(x => x.subject))
    for (const x of s.hands) if (!before.has(x.subject)) say(x.subject === this.c.me.subject ? 'Your hand is raised.' : `${x.name} raised a hand.`)
    for (const x of p.hands) if (!now.has(x.subject)) say(x.subject === this.c.me.subject ? 'Your hand was lowered.' : `${x.name}'s hand is down.`)
    for (const [id, q] of Object.entries(s.polls)) {
      const old = p.polls[id]
      if (old === undefined) say(`New poll: ${q.question}`)
      else if (old.state === 'open' && q.state === 'closed') say(`Poll closed: ${q.question}`)
    }
    if (p.session.state !== s.session.state) {
      if (s.session.state === 'live') say('The meeting has started.')
      if (s.session.state === 'ended') this.c.status.announce('The meeting has ended. The notes stay open for follow-up.', true, false)
    }
    if (p.current.item !== s.current.item && s.current.item !== undefined) {
      const it = s.agenda.find(a => a.id === s.current.item)
      if (it !== undefined) say(`Now on the agenda: ${it.title}`)
    }
  }

  // tick advances the clocks between updates: meeting elapsed, the
  // current item's elapsed time against its plan, the timer.
  private tick (): void {
    const now = Date.now()
    for (const el of Array.from(this.el.querySelectorAll<HTMLElement>('[data-since]'))) {
      const spent = Number(el.dataset.spent ?? 0) * 1000 + now - Number(el.dataset.since)
      const planned = Number(el.dataset.planned ?? 0) * 60000
      let text = fmtClock(spent)
      if (el.dataset.planned !== undefined) {
        text += ' of ' + fmtClock(planned)
        const over = planned > 0 && spent > planned
        el.classList.toggle('over', over)
        if (over) text += ` · ${fmtClock(spent - planned)} over`
      }
      if (el.textContent !== text) el.textContent = text
    }
    this.timer.tick(now)
  }
}

const stateNames = { scheduled: 'Not started', live: 'Live', ended: 'Ended' }

function stateView (v: View): HTMLElement {
  const s = v.s.session
  const badge = h('span', { class: 'badge state-' + v.st, id: 'session-state', 'data-state': v.st }, stateNames[v.st])
  if (v.st === 'ended') {
    const len = s.startedAt !== undefined && s.endedAt !== undefined ? ` after ${fmtLength((s.endedAt - s.startedAt) / 1000)}` : ''
    return h('div', { class: 'ended-banner', id: 'ended-banner' },
      h('p', { class: 'row' }, badge),
      h('h2', {}, 'The meeting has ended'),
      h('p', {}, ...(s.endedAt === undefined ? ['It ended'] : ['It ended at ', timeEl(s.endedAt, clock(s.endedAt), { id: 'ended-at' })]), `${len}. The notes stay open: you can keep adding to them.`),
      h('p', {}, h('a', { class: 'button primary', href: withToken('/read/' + v.id), id: 'read-notes' }, 'Read the notes and the record')))
  }
  if (v.st === 'live') {
    return h('div', { class: 'row spread' },
      h('p', { class: 'row' }, badge, h('span', { class: 'muted' }, 'for '),
        h('span', { class: 'clock', 'data-since': String(s.startedAt ?? Date.now()) }, ''),
        s.startedAt === undefined ? null : h('span', { class: 'muted' }, '· since ', timeEl(s.startedAt, clock(s.startedAt), { id: 'live-since' }))),
      v.runs
        ? btn('end', 'End meeting', { type: 'session.end' }, {
          cls: 'danger',
          off: v.off,
          confirm: 'End the meeting for everyone?|The agenda stops, open polls close and everyone is told the meeting has ended. The notes stay editable.|End meeting'
        })
        : null)
  }
  return h('div', { class: 'row spread' },
    h('p', { class: 'row' }, badge, h('span', { class: 'muted' }, v.runs ? 'Start when everyone is here.' : 'Waiting for the host to start.')),
    v.runs ? btn('start', 'Start meeting', { type: 'session.start' }, { cls: 'primary', off: v.off }) : null)
}

function agendaView (v: View): HTMLElement {
  const { agenda, current } = v.s
  if (agenda.length === 0) return emptyState(v.runs ? 'No agenda yet. Add the first item below.' : 'No agenda for this meeting.')
  const cur = agenda.findIndex(a => a.id === current.item)
  const ol = h('ol', { id: 'agenda', class: 'agenda' }, ...agenda.map((a, i) => {
    const isCur = i === cur
    const spent = a.spentSeconds ?? 0
    const over = a.minutes > 0 && spent > a.minutes * 60
    return h('li', {
      'data-key': a.id,
      class: isCur ? 'current' : a.done === true ? 'done' : '',
      'aria-current': isCur ? 'step' : undefined
    },
    h('span', { class: 'item-title' }, a.title),
    isCur && current.since !== undefined && v.st === 'live'
      ? h('span', { class: 'item-time clock', 'data-since': String(current.since), 'data-spent': String(spent), 'data-planned': String(a.minutes) }, '')
      : h('span', { class: 'item-time' + (over ? ' over' : '') },
        spent > 0 ? `${fmtLength(spent)} of ${fmtLength(a.minutes * 60)}` : fmtLength(a.minutes * 60)),
    a.done === true && !isCur ? h('span', { class: 'sr-only' }, ' (done)') : null)
  }))
  if (!v.runs || v.st !== 'live') return ol
  const last = cur === agenda.length - 1
  return h('div', {}, ol, h('div', { class: 'row' },
    btn('agenda-prev', 'Previous', { type: 'agenda.previous' }, { off: v.off ?? (cur <= 0 ? 'This is the first item.' : undefined) }),
    btn('agenda-next', cur < 0 ? 'Start agenda' : 'Next item', { type: 'agenda.next' },
      { cls: 'primary', off: v.off ?? (last ? 'This is the last item. End the meeting when you are done.' : undefined) }),
    last ? h('span', { class: 'muted', id: 'agenda-last' }, 'Last item') : null))
}

function handsView (v: View): HTMLElement {
  const { hands } = v.s
  const mine = hands.findIndex(x => x.subject === v.me.subject)
  const canRaise = v.role !== 'viewer' && v.st !== 'ended'
  const list = hands.length === 0
    ? emptyState('No hands raised.')
    : h('ol', { id: 'hands', class: 'people' }, ...hands.map(x => h('li', { 'data-key': x.subject, 'data-subject': x.subject },
      avatar(x.subject, x.name), h('span', { class: 'grow' }, x.name + (x.subject === v.me.subject ? ' (you)' : '')),
      v.runs ? btn('lower-' + x.subject, 'Lower', { type: 'hand.lower', subject: x.subject }, { label: 'Lower ' + x.name + "'s hand", off: v.off }) : null)))
  return h('div', {}, list, h('div', { class: 'row' },
    canRaise && mine < 0 ? withIcon(btn('raise', 'Raise hand', { type: 'hand.raise' }, { cls: 'primary', off: v.off }), 'hand') : null,
    canRaise && mine >= 0 ? btn('raise', 'Lower my hand', { type: 'hand.lower' }, { off: v.off }) : null,
    canRaise && mine >= 0 ? h('span', { class: 'muted', id: 'hand-place' }, `You are number ${mine + 1} in the queue`) : null,
    v.runs && hands.length > 0 ? btn('hand-next', 'Call on next', { type: 'hand.next' }, { off: v.off }) : null))
}

function withIcon (b: HTMLElement, name: string): HTMLElement {
  b.prepend(icon(name))
  return b
}

function peopleView (v: View): HTMLElement {
  const all = Object.entries(v.s.participants)
  const ended = v.st === 'ended'
  // After the end everyone has left the record; show who attended.
  const shown = ended ? all : all.filter(([, p]) => p.leftAt === undefined)
  const head = h('p', { class: 'muted', id: 'people-count' }, ended ? `${shown.length} attended` : `${shown.length} here now`)
  return h('div', {}, head, h('ul', { id: 'participants', class: 'people' }, ...shown.map(([sub, p]) => h('li', { 'data-key': sub, 'data-subject': sub },
    avatar(sub, p.name),
    h('span', { class: 'grow' }, p.name + (sub === v.me.subject ? ' (you)' : '')),
    v.runs && !ended && sub !== v.me.subject && p.role !== 'host' && (v.role === 'host' || p.role !== 'cohost')
      ? h('select', { 'aria-label': 'Role of ' + p.name, 'data-role-of': sub, 'aria-disabled': v.off === undefined ? undefined : 'true' },
        ...(['cohost', 'member', 'viewer'] as const).filter(r => v.role === 'host' || r !== 'cohost')
          .map(r => h('option', { value: r, selected: r === p.role }, roleName(r))))
      : h('span', { class: 'role-chip' }, roleName(p.role))))))
}

export const roleName = (r: string): string => ({ host: 'Host', cohost: 'Co-host', member: 'Member', viewer: 'Viewer' } as Record<string, string>)[r] ?? r

function avatar (subject: string, name: string): HTMLElement {
  return h('span', { class: 'avatar', style: `background:${colorOf(subject)}`, 'aria-hidden': 'true' }, initials(name))
}

function pollsView (v: View): HTMLElement[] {
  const polls = Object.values(v.s.polls)
  if (polls.length === 0) return [emptyState(v.runs && v.st !== 'ended' ? 'No polls yet. Ask a question below.' : 'No polls yet.')]
  const eligible = Object.values(v.s.participants).filter(p => p.leftAt === undefined && p.role !== 'viewer').length
  return polls.reverse().map(p => pollView(p, v, eligible, votedFor(v.id, p, v.me.subject)))
}

// votedFor is the caller's ballot: from the document for named polls,
// from this browser's memory for anonymous ones.
function votedFor (session: string, p: Poll, subject: string): number[] | null {
  const named = p.votes?.[subject]
  if (named !== undefined) return named
  if (p.anonymous !== true && p.hidden !== true) return null
  try {
    const v = localStorage.getItem(`cocreate.vote.${session}.${p.id}`)
    return v === null ? null : JSON.parse(v) as number[]
  } catch { return null }
}

function rememberVote (session: string, poll: string, choices: number[]): void {
  try { localStorage.setItem(`cocreate.vote.${session}.${poll}`, JSON.stringify(choices)) } catch {}
}

function agendaForm (c: Ctx): HTMLElement {
  const f = h('form', { class: 'row add-form', 'aria-label': 'Add an agenda item' },
    h('label', { for: 'agenda-new', class: 'sr-only' }, 'New agenda item'),
    h('input', { name: 'title', id: 'agenda-new', required: true, maxlength: '200', placeholder: 'New agenda item', class: 'grow' }),
    h('label', { for: 'agenda-min', class: 'sr-only' }, 'Minutes for the new item'),
    h('input', { name: 'minutes', id: 'agenda-min', type: 'number', min: '0', max: '1440', value: '5', class: 'num' }),
    h('span', { class: 'muted', 'aria-hidden': 'true' }, 'min'),
    h('button', { type: 'submit', id: 'agenda-add' }, 'Add'))
  f.addEventListener('submit', e => {
    e.preventDefault()
    const fd = new FormData(f)
    const title = String(fd.get('title') ?? '').trim()
    const submit = f.querySelector('#agenda-add') as HTMLElement
    if (submit.getAttribute('aria-disabled') === 'true') { showError(submit, new Error(submit.dataset.reason ?? '')); return }
    if (title === '') return
    void c.run({ type: 'agenda.add', title, minutes: Number(fd.get('minutes') ?? 5) || 0 }, f).then(ok => {
      if (ok) (f.querySelector('#agenda-new') as HTMLInputElement).value = ''
    })
  })
  return f
}

function pollForm (c: Ctx): HTMLElement {
  const f = h('form', { class: 'poll-form', 'aria-label': 'New poll' },
    h('h3', {}, 'New poll'),
    h('p', {}, h('label', { for: 'poll-q' }, 'Question'), h('input', { name: 'q', id: 'poll-q', required: true, maxlength: '500' })),
    h('p', {}, h('label', { for: 'poll-o' }, 'Options, separated by commas'), h('input', { name: 'o', id: 'poll-o', required: true, placeholder: 'Yes, No' })),
    h('p', { class: 'row' },
      h('label', { class: 'check' }, h('input', { name: 'anon', type: 'checkbox', id: 'poll-anon' }), 'Anonymous'),
      h('label', { class: 'check' }, h('input', { name: 'multi', type: 'checkbox', id: 'poll-multi' }), 'Several answers'),
      h('label', { class: 'check' }, h('input', { name: 'hidden', type: 'checkbox', id: 'poll-hidden' }), 'Hide results until closed')),
    h('p', {}, h('button', { type: 'submit', id: 'poll-create' }, 'Ask')))
  f.addEventListener('submit', e => {
    e.preventDefault()
    const submit = f.querySelector('#poll-create') as HTMLElement
    if (submit.getAttribute('aria-disabled') === 'true') { showError(submit, new Error(submit.dataset.reason ?? '')); return }
    const fd = new FormData(f)
    const options = String(fd.get('o') ?? '').split(',').map(s => s.trim()).filter(s => s !== '')
    if (options.length < 2) { showError(f, new Error('Give at least two options, separated by commas.')); return }
    void c.run({ type: 'poll.create', question: String(fd.get('q') ?? '').trim(), options, anonymous: fd.get('anon') !== null, multiple: fd.get('multi') !== null, hidden: fd.get('hidden') !== null }, f)
      .then(ok => { if (ok) f.reset() })
  })
  return f
}

