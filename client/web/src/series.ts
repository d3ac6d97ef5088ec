// Recurring series (POST /api/series): the "Repeats" and "Ends" fields
// of the lobby's "Plan a session" form, and a rule in words ("Repeats
// weekly, 4 times").

import { api, Session } from './api'
import { h } from './dom'
import { dateText, endOfDate, today, wallNow, weekdayOfMonth } from './time'

export interface Rule {
  freq: 'WEEKLY' | 'MONTHLY'
  interval?: number
  week?: number
  until?: string
  count?: number
}

export interface Series {
  id: string
  title: string
  time_zone: string
  start: string
  rule: Rule
  rrule: string
  occurrences: Array<{ series_id: string, slot: string, session_id?: string, cancelled: boolean }>
}

// planned holds the rule in words of the series occurrences planned on
// this page, by session id: the session JSON does not say which series a
// session belongs to, so the lists mark only the ones just made.
const planned = new Map<string, string>()

export const markRepeating = (session: string, words: string): void => { planned.set(session, words) }

// repeatsMark is a list row's "↻ Repeats weekly" for a session just
// planned as a series' first occurrence, else null.
export const repeatsMark = (session: string): HTMLElement | null => {
  const words = planned.get(session)
  return words === undefined ? null : h('span', { class: 'repeats-rule' }, words)
}

// ruleWords writes a rule: "Repeats every 2 weeks", "Repeats monthly on
// the first Thursday, until Thu 24 Dec"; wall is the first start's wall
// clock (it names the weekday of a monthly rule), untilDate the last
// day as chosen.
export function ruleWords (r: Rule, wall: string, untilDate = ''): string {
  const every = r.interval !== undefined && r.interval > 1
  let s = r.freq === 'WEEKLY'
    ? (every ? `Repeats every ${r.interval ?? 1} weeks` : 'Repeats weekly')
    : (every ? `Repeats every ${r.interval ?? 1} months` : 'Repeats monthly')
  if (r.freq === 'MONTHLY' && r.week !== undefined) s += ' ' + (weekdayOfMonth(wall)?.words ?? '')
  if (r.count !== undefined) s += `, ${r.count} ${r.count === 1 ? 'time' : 'times'}`
  if (untilDate !== '') s += `, until ${dateText(untilDate)}`
  return s
}

// Repeats is the form's part for a series: read() is the rule chosen
// (null for "Does not repeat").
export interface Repeats {
  el: HTMLElement
  read: () => { rule: Rule, words: string, wall: string } | null
  // changed tells the part that the start changed (the monthly phrase).
  changed: () => void
}

// repeatsFields builds the "Repeats" select and, while it repeats, the
// "Ends" choices; when reads the start field ('' for now) in zone.
export function repeatsFields (when: () => string, zone: string): Repeats {
  const wall = (): string => when() || wallNow(zone)
  const monthly = h('option', { value: 'monthly' }, 'Monthly')
  const sel = h('select', { id: 'new-repeats', name: 'repeats', 'aria-describedby': 'repeats-hint' },
    h('option', { value: '', selected: true }, 'Does not repeat'),
    h('option', { value: 'weekly' }, 'Weekly'),
    h('option', { value: 'biweekly' }, 'Every 2 weeks'),
    monthly) as HTMLSelectElement
  const hint = h('span', { class: 'hint', id: 'repeats-hint' })
  const count = h('input', { id: 'ends-count', name: 'count', type: 'number', min: '1', max: '1000', value: '4', class: 'num', 'aria-label': 'Number of times' }) as HTMLInputElement
  const until = h('input', { id: 'ends-until', name: 'until', type: 'date', 'aria-label': 'Last date' }) as HTMLInputElement
  const radio = (value: string, label: string, checked = false): HTMLElement =>
    h('label', { class: 'check' }, h('input', { type: 'radio', name: 'ends', value, id: 'ends-' + value, checked }), label)
  const ends = h('fieldset', { class: 'ends', id: 'ends', hidden: true },
    h('legend', {}, 'Ends'),
    h('div', { class: 'ends-choice' }, radio('never', 'Never', true)),
    h('div', { class: 'ends-choice' }, radio('after', 'After'), count, h('span', { 'aria-hidden': 'true' }, 'times')),
    h('div', { class: 'ends-choice' }, radio('on', 'On'), until))
  const endsBy = (): string => (ends.querySelector('input[name="ends"]:checked') as HTMLInputElement | null)?.value ?? 'never'
  // Typing a count or a date chooses that ending.
  count.addEventListener('input', () => { (ends.querySelector('#ends-after') as HTMLInputElement).checked = true })
  until.addEventListener('input', () => { (ends.querySelector('#ends-on') as HTMLInputElement).checked = true })

  const read = (): { rule: Rule, words: string, wall: string } | null => {
    if (sel.value === '') return null
    const w = wall()
    const rule: Rule = { freq: sel.value === 'monthly' ? 'MONTHLY' : 'WEEKLY' }
    if (sel.value === 'biweekly') rule.interval = 2
    if (sel.value === 'monthly') rule.week = weekdayOfMonth(w)?.week
    let untilDate = ''
    if (endsBy() === 'after') rule.count = Math.max(1, Math.min(1000, Number(count.value) || 1))
    if (endsBy() === 'on' && until.value !== '') {
      untilDate = until.value
      rule.until = new Date(endOfDate(until.value, zone)).toISOString()
    }
    return { rule, words: ruleWords(rule, w, untilDate), wall: w }
  }
  const changed = (): void => {
    const phrase = weekdayOfMonth(wall())?.words ?? ''
    monthly.textContent = phrase === '' ? 'Monthly' : `Monthly ${phrase}`
    until.min = wall().slice(0, 10) || today()
    ends.hidden = sel.value === ''
    hint.textContent = read()?.words ?? 'One session. A series makes a session for each time.'
  }
  for (const el of [sel, count, until]) el.addEventListener('input', changed)
  ends.addEventListener('change', changed)
  changed()
  const el = h('div', { class: 'repeats' },
    h('p', {}, h('label', { for: 'new-repeats' }, 'Repeats'), sel, hint), ends)
  return { el, read, changed }
}

// createSeries posts a series and returns it with its first occurrence's
// session.
export async function createSeries (body: Record<string, unknown>): Promise<{ series: Series, first: Session }> {
  const series = await api<Series>('POST', '/api/series', body)
  const id = series.occurrences.find(o => !o.cancelled && o.session_id !== undefined)?.session_id ?? ''
  return { series, first: await api<Session>('GET', '/api/sessions/' + id) }
}
