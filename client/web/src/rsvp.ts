// RSVP: "Are you going?" in the room until the meeting ends (Going /
// Maybe / Not going as toggle buttons, the counts, your own answer, and
// for hosts and cohosts who answered what), the same buttons on the
// lobby's upcoming sessions, and in the reader of an
// ended meeting, for them, the answers set against who came.

import { api, Me, Member, Role, Session } from './api'
import { emptyState, h, morph, showError } from './dom'
import { moment } from './time'

export type Answer = 'going' | 'maybe' | 'not_going'

// RSVPs is GET /api/sessions/{id}/rsvps (people and
// attended_without_answer for hosts and cohosts only).
export interface RSVPs {
  going: number
  maybe: number
  not_going: number
  mine?: Answer
  people?: Array<{ subject: string, answer: Answer, updated_at: string, attended?: boolean }>
  attended_without_answer?: string[]
}

const answers: Array<[Answer, string]> = [['going', 'Going'], ['maybe', 'Maybe'], ['not_going', 'Not going']]
export const answerName = (a: string): string => answers.find(x => x[0] === a)?.[1] ?? a

const path = (id: string): string => `/api/sessions/${encodeURIComponent(id)}`

export const loadRSVPs = async (id: string): Promise<RSVPs> => await api<RSVPs>('GET', path(id) + '/rsvps')

// counts is "3 going · 1 maybe · 2 not going", the empty ones left out.
export function counts (r: RSVPs): string {
  const parts = ([['going', r.going], ['maybe', r.maybe], ['not going', r.not_going]] as const)
    .filter(([, n]) => n > 0).map(([w, n]) => `${n} ${w}`)
  return parts.length === 0 ? 'No answers yet' : parts.join(' · ')
}

// Names tells a subject's display name: the space's members, then what
// the page knows (participants, attendees, the caller), else the subject.
export class Names {
  private readonly known = new Map<string, string>()
  add (subject: string, name: string | undefined): void {
    if (name !== undefined && name !== '' && !this.known.has(subject)) this.known.set(subject, name)
  }

  // of is the name, else a guest's default name (as the server writes
  // it), else the subject.
  of (subject: string): string {
    return this.known.get(subject) ?? (/^guest:.{4}/.test(subject) ? 'Guest ' + subject.slice(6, 10) : subject)
  }

  // loadSpace adds the members of the session's space (members may read
  // them; for others the names stay what the page knows).
  async loadSpace (sess: Session): Promise<void> {
    if (sess.space_id === undefined || sess.space_id === '') return
    const r = await api<{ members: Member[] }>('GET', `/api/spaces/${encodeURIComponent(sess.space_id)}/members`).catch(() => ({ members: [] as Member[] }))
    for (const m of r.members) this.add(m.subject, m.name)
  }
}

// choices is the three answers as toggle buttons (aria-pressed), mine
// pressed; ids prefixes their ids ('' for none: rows of a list).
function choices (mine: Answer | undefined, label: Record<string, string>, ids: string): HTMLElement {
  return h('div', { class: 'rsvp-choices', role: 'group', ...label },
    ...answers.map(([a, text]) => h('button', {
      type: 'button', id: ids === '' ? undefined : ids + a, 'data-answer': a, 'aria-pressed': String(mine === a)
    }, text)))
}

// answer sends the answer of the button b (data-answer); null, with the
// error shown beside b, when it was refused.
async function answer (id: string, b: HTMLElement): Promise<RSVPs | null> {
  try {
    return await api<RSVPs>('PUT', path(id) + '/rsvp', { answer: b.dataset.answer })
  } catch (err) {
    showError(b, err)
    return null
  }
}

// rsvpRow is "Are you going? [Going] [Maybe] [Not going] 2 going" for a row
// of the lobby's upcoming sessions, filled once the answers are read.
export function rsvpRow (s: Session): HTMLElement {
  const el = h('div', { class: 'rsvp-row', 'data-errors': '' })
  const paint = (r: RSVPs): void => {
    morph(el, h('div', { class: 'rsvp-row', 'data-errors': '' },
      h('span', { class: 'muted rsvp-row-q', 'aria-hidden': 'true' }, 'Are you going?'),
      choices(r.mine, { 'aria-label': `Are you going to ${s.title}?` }, ''),
      h('span', { class: 'muted rsvp-row-counts' }, counts(r))))
  }
  el.addEventListener('click', e => {
    const b = (e.target as Element).closest<HTMLElement>('button[data-answer]')
    if (b === null || b.getAttribute('aria-pressed') === 'true') return
    void answer(s.id, b).then(r => { if (r !== null) paint(r) })
  })
  loadRSVPs(s.id).then(paint).catch(() => el.remove())
  return el
}

const runs = (r: Role): boolean => r === 'host' || r === 'cohost'

// RSVPPanel is the room's "Are you going?" section. It is hidden once
// the meeting has ended (the server closes answers then).
export class RSVPPanel {
  readonly el: HTMLElement
  private readonly body = h('div', { class: 'dyn' })
  private data: RSVPs | null = null
  private ended = false

  constructor (private readonly id: string, private readonly me: Me, private readonly role: () => Role, private readonly names: Names) {
    this.el = h('section', { class: 'panel rsvp', id: 'sec-rsvp', 'aria-labelledby': 'h-rsvp' },
      h('h2', { id: 'h-rsvp' }, 'Are you going?'), this.body)
    names.add(me.subject, me.name)
    this.el.addEventListener('click', e => {
      const b = (e.target as Element).closest<HTMLElement>('button[data-answer]')
      if (b !== null) void this.answer(b)
    })
    void this.refresh()
  }

  // setState follows the meeting: the answers close when it ends.
  setState (st: 'scheduled' | 'live' | 'ended'): void {
    const ended = st === 'ended'
    if (ended === this.ended) return
    this.ended = ended
    this.el.hidden = ended
  }

  async refresh (): Promise<void> {
    try {
      this.data = await loadRSVPs(this.id)
      this.render()
    } catch (err) {
      showError(this.body, err)
    }
  }

  private async answer (b: HTMLElement): Promise<void> {
    if (this.data?.mine === b.dataset.answer) return
    const r = await answer(this.id, b)
    if (r === null) return
    this.data = r
    this.render()
  }

  render (): void {
    const r = this.data
    if (r === null) return
    const mine = r.mine
    const group = choices(mine, { 'aria-labelledby': 'h-rsvp' }, 'rsvp-')
    const people = runs(this.role()) ? this.peopleView(r) : null
    morph(this.body, h('div', { class: 'dyn' },
      group,
      h('p', { class: 'rsvp-counts', id: 'rsvp-counts', 'aria-live': 'polite' }, counts(r)),
      h('p', { class: 'muted', id: 'rsvp-mine' }, mine === undefined ? 'You have not answered yet.' : `You said: ${answerName(mine)}.`),
      people))
  }

  private peopleView (r: RSVPs): HTMLElement {
    const list = r.people ?? []
    if (list.length === 0) return emptyState('Nobody has answered yet.')
    const order: Record<string, number> = { going: 0, maybe: 1, not_going: 2 }
    const sorted = [...list].sort((a, b) => (order[a.answer] - order[b.answer]) || this.names.of(a.subject).localeCompare(this.names.of(b.subject)))
    return h('ul', { class: 'people rsvp-people', id: 'rsvp-people', 'aria-label': 'Who answered' }, ...sorted.map(p => h('li', { 'data-key': p.subject, 'data-subject': p.subject },
      h('span', { class: 'grow' }, this.names.of(p.subject) + (p.subject === this.me.subject ? ' (you)' : '')),
      h('span', { class: 'rsvp-answer answer-' + p.answer, title: 'Answered ' + moment(p.updated_at) }, answerName(p.answer)))))
  }
}

// attendanceView is the reader's comparison for hosts and cohosts of an
// ended meeting: who said going and came, who said going and did not,
// who came without answering (maybe and not going who came are told
// too). null when the caller does not see who answered.
export function attendanceView (r: RSVPs, names: Names): HTMLElement | null {
  if (r.people === undefined && r.attended_without_answer === undefined) return null
  const people = r.people ?? []
  const group = (id: string, title: string, subjects: string[]): HTMLElement =>
    h('div', { class: 'rsvp-group', id: 'rsvp-' + id },
      h('h3', {}, `${title} (${subjects.length})`),
      subjects.length === 0
        ? emptyState('Nobody.')
        : h('ul', { class: 'people' }, ...subjects.map(s => h('li', { 'data-subject': s }, names.of(s)))))
  const sorted = (xs: string[]): string[] => [...xs].sort((a, b) => names.of(a).localeCompare(names.of(b)))
  const pick = (answer: Answer, came: boolean): string[] => sorted(people.filter(p => p.answer === answer && (p.attended === true) === came).map(p => p.subject))
  const otherCame = sorted(people.filter(p => p.answer !== 'going' && p.attended === true).map(p => p.subject))
  return h('section', { class: 'panel', id: 'rsvp-record', 'aria-labelledby': 'h-rsvp-record' },
    h('h2', { id: 'h-rsvp-record' }, 'Answers and attendance'),
    h('p', { class: 'muted', id: 'rsvp-record-counts' }, 'Answered: ' + counts(r).replace('No answers yet', 'nobody')),
    group('came', 'Said going and came', pick('going', true)),
    group('missed', 'Said going, did not come', pick('going', false)),
    group('unannounced', 'Came without answering', sorted(r.attended_without_answer ?? [])),
    otherCame.length === 0
      ? null
      : h('p', { class: 'muted', id: 'rsvp-other-came' }, 'Also came: ', otherCame.map(s => `${names.of(s)} (said ${answerName(people.find(p => p.subject === s)?.answer ?? '').toLowerCase()})`).join(', ')))
}
