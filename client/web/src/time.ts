// Times, the one way the whole UI writes them: each moment in the
// viewer's zone (the browser's, or the one chosen under "Your name"),
// labelled with that zone's abbreviation, and the session's own zone
// alongside when its clocks show something else:
//   "Thu 3 Dec, 09:00 EST · 15:00 CET (Europe/Berlin)".
// The hour style (24 h or AM/PM) follows the browser's language; the
// words stay English like the rest of the UI.

import { Session } from './api'
import { fmtLength, h } from './dom'

type At = number | string | Date

const zoneKey = 'cocreate.time-zone'

export const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC'

// chosenZone is the zone chosen in this browser ('' for none).
export function chosenZone (): string {
  try {
    const z = localStorage.getItem(zoneKey) ?? ''
    return validZone(z) ? z : ''
  } catch {
    return ''
  }
}

// viewerZone is the zone times are shown in: the one chosen in this
// browser, else the browser's own.
export const viewerZone = (): string => chosenZone() || browserZone()

// setViewerZone chooses the zone times are shown in ('' is the browser's).
export function setViewerZone (zone: string): void {
  try {
    if (zone === '' || !validZone(zone)) localStorage.removeItem(zoneKey)
    else localStorage.setItem(zoneKey, zone)
  } catch {}
}

export function validZone (zone: string): boolean {
  if (zone === '') return false
  try {
    formatter('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

// The zones a person may pick, when the browser can list them.
export function knownZones (): string[] {
  const sv = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf
  try { return sv === undefined ? [] : sv('timeZone') } catch { return [] }
}

const cache = new Map<string, Intl.DateTimeFormat>()
function formatter (locale: string, o: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = locale + JSON.stringify(o)
  let f = cache.get(key)
  if (f === undefined) {
    f = new Intl.DateTimeFormat(locale, o)
    cache.set(key, f)
  }
  return f
}

const twelveHours = (): boolean => {
  const hc = (formatter(navigator.language || 'en', { hour: 'numeric' }).resolvedOptions() as { hourCycle?: string }).hourCycle
  return hc === 'h11' || hc === 'h12'
}
// English in the order people with that hour style expect.
const locale = (): string => twelveHours() ? 'en-US' : 'en-GB'

const ms = (at: At): number => at instanceof Date ? at.getTime() : typeof at === 'string' ? Date.parse(at) : at

function part (t: number, zone: string, loc: string, o: Intl.DateTimeFormatOptions): string {
  return formatter(loc, { ...o, timeZone: zone }).formatToParts(t).find(p => p.type === 'timeZoneName')?.value ?? ''
}

// zoneAbbr names zone as its clocks are read at t: "CET", "EST", "JST",
// "IST", else the offset ("UTC+8", "UTC+5:30").
export function zoneAbbr (at: At, zone: string): string {
  const t = ms(at)
  for (const l of ['en-US', 'en-GB', 'en-IN', 'en-AU', 'ja-JP']) {
    const n = part(t, zone, l, { timeZoneName: 'short' })
    if (/^[A-Z]{2,5}$/.test(n)) return n
  }
  const off = part(t, zone, 'en-US', { timeZoneName: 'shortOffset' }).replace(/^GMT/, 'UTC')
  return off === 'UTC+0' || off === '' ? 'UTC' : off
}

// offset is zone's distance from UTC at t, in minutes.
function offset (t: number, zone: string): number {
  const p = formatter('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' })
    .formatToParts(t).reduce<Record<string, number>>((a, x) => { a[x.type] = Number(x.value); return a }, {})
  return Math.round((Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute) - Math.floor(t / 60000) * 60000) / 60000)
}

function clockText (t: number, zone: string): string {
  return formatter(locale(), { timeZone: zone, hour: twelveHours() ? 'numeric' : '2-digit', minute: '2-digit' }).format(t)
}

// dayText is the day, with the year when it is not this one (or year).
function dayText (t: number, zone: string, year = false): string {
  const y = formatter('en-US', { timeZone: zone, year: 'numeric' })
  const shown = year || y.format(t) !== y.format(Date.now())
  return formatter(locale(), { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short', year: shown ? 'numeric' : undefined }).format(t)
}

const sameDay = (a: number, b: number, zone: string): boolean => dayText(a, zone) === dayText(b, zone)

// range writes [from, to] in zone: "Thu 3 Dec, 09:00–09:45 EST", the
// day again on the end when it falls on another; withDay false leaves
// the first day out.
function range (from: number, to: number | null, zone: string, withDay: boolean, year = false): string {
  const start = (withDay ? dayText(from, zone, year) + ', ' : '') + clockText(from, zone)
  if (to === null) return `${start} ${zoneAbbr(from, zone)}`
  const end = (sameDay(from, to, zone) ? '' : dayText(to, zone, year) + ', ') + clockText(to, zone)
  // Within one minute: the minute once.
  if (end === clockText(from, zone)) return `${start} ${zoneAbbr(from, zone)}`
  return `${start}–${end} ${zoneAbbr(to, zone)}`
}

export interface Style {
  // year writes the year even when it is this one (records, archives).
  year?: boolean
}

// moment is an instant with its day in the viewer's zone, then the
// session's zone named, and its clock alongside when that reads
// otherwise: "Thu 3 Dec, 09:00 EST · 15:00 CET (Europe/Berlin)", or
// "Thu 3 Dec, 15:00 CET (Europe/Berlin)" for a viewer in Berlin.
export function moment (at: At, sessionZone?: string, o: Style = {}): string {
  return period(at, null, sessionZone, o)
}

// period is a stretch of time written the same way:
// "Thu 3 Dec, 09:00–09:45 EST · 15:00–15:45 CET (Europe/Berlin)".
export function period (from: At, to: At | null, sessionZone?: string, o: Style = {}): string {
  const a = ms(from)
  const b = to === null ? null : ms(to)
  const mine = viewerZone()
  const here = range(a, b, mine, true, o.year)
  if (sessionZone === undefined || sessionZone === '' || !validZone(sessionZone)) return here
  if (offset(a, sessionZone) === offset(a, mine)) {
    // "15:00 CET (Europe/Berlin)", but "07:13 UTC", not "07:13 UTC (UTC)".
    return zoneAbbr(a, sessionZone) === sessionZone && zoneAbbr(a, mine) === sessionZone ? here : `${here} (${sessionZone})`
  }
  const day = dayText(a, sessionZone) !== dayText(a, mine)
  return `${here} · ${range(a, b, sessionZone, day, o.year)} (${sessionZone})`
}

// clock is a time of day in the viewer's zone: "09:01 EST".
export function clock (at: At): string {
  const t = ms(at)
  const z = viewerZone()
  return `${clockText(t, z)} ${zoneAbbr(t, z)}`
}

// clockRange is from–to in the viewer's zone, the day left out when it
// is that of ref: "09:01–09:20 EST", "09:01 EST – now".
export function clockRange (from: At, to: At | null, ref: At = from): string {
  const a = ms(from)
  const z = viewerZone()
  const lead = sameDay(a, ms(ref), z) ? '' : dayText(a, z) + ', '
  if (to === null) return `${lead}${clock(a)} – now`
  return lead + range(a, ms(to), z, false)
}

// timeEl wraps a written time in <time> with the instant, for machines
// and for a tooltip in UTC.
export function timeEl (at: At, text: string, attrs: Record<string, string> = {}): HTMLElement {
  const d = new Date(ms(at))
  return h('time', { datetime: d.toISOString(), title: d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC', ...attrs }, text)
}

// planned is how long a session is planned to last, in seconds: its
// agenda, or an hour without one (as in its calendar event).
export const planned = (agenda: Array<{ minutes: number }>): number =>
  (agenda.reduce((n, a) => n + a.minutes, 0) || 60) * 60

// instantOf reads a wall-clock time ("2026-12-03T15:00", as a
// datetime-local input gives it) in zone as an instant.
export function instantOf (wall: string, zone: string): number {
  const m = wall.match(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/)
  if (m === null) return NaN
  const asUTC = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]))
  // The zone's offset at the guess, then at the corrected instant (the
  // two differ only next to a change of offset).
  const first = asUTC - offset(asUTC, zone) * 60000
  return asUTC - offset(first, zone) * 60000
}

// day is the day of an instant in the viewer's zone: "Wed 9 Dec".
export const day = (at: At): string => dayText(ms(at), viewerZone())

// A calendar date ("2026-12-10", a task's due date) is a day in no zone.
const dateMs = (date: string): number => Date.parse(date + 'T12:00:00Z')

// dateText writes a calendar date as days are written: "Thu 10 Dec",
// the year too when it is not this one.
export const dateText = (date: string): string => dayText(dateMs(date), 'UTC')

// today is the date in the viewer's zone, as YYYY-MM-DD.
export function today (): string {
  const p = formatter('en-US', { timeZone: viewerZone(), year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(Date.now())
  const v = (k: string): string => p.find(x => x.type === k)?.value ?? ''
  return `${v('year')}-${v('month')}-${v('day')}`
}

// plan is when a session is planned and for how long:
// "Thu 3 Dec, 09:00 EST · 15:00 CET (Europe/Berlin), 45 min".
export const plan = (s: Session, o: Style = {}): string =>
  `${moment(s.scheduled_at, s.time_zone, o)}, ${fmtLength(planned(s.agenda)).replace(/ /g, '\u00a0')}`

// sessionWhen is what a list says of a session's time: when it is planned
// (and for how long), since when it runs, or when it actually happened.
export const sessionWhen = (s: Session): HTMLElement => {
  if (s.started_at === undefined) return timeEl(s.scheduled_at, plan(s))
  if (s.ended_at === undefined) return timeEl(s.started_at, 'Started ' + moment(s.started_at, s.time_zone))
  return timeEl(s.started_at, period(s.started_at, s.ended_at, s.time_zone))
}

// wallNow is the wall clock in zone now, as a datetime-local input
// gives one: "2026-12-03T15:00".
export function wallNow (zone: string): string {
  const p = formatter('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(Date.now())
  const v = (k: string): string => p.find(x => x.type === k)?.value ?? ''
  return `${v('year')}-${v('month')}-${v('day')}T${v('hour')}:${v('minute')}`
}

const ordinals = ['first', 'second', 'third', 'fourth']
const weekdays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']

// weekdayOfMonth is which weekday of its month a wall-clock day is, as a
// monthly rule repeats it: week 1..4, or -1 for the fifth (the last),
// and the words "on the first Thursday".
export function weekdayOfMonth (wall: string): { week: number, words: string } | null {
  const m = wall.match(/^(\d{4})-(\d{2})-(\d{2})/)
  if (m === null) return null
  const d = Number(m[3])
  const wd = weekdays[new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, d)).getUTCDay()]
  const n = Math.ceil(d / 7)
  return n > 4 ? { week: -1, words: `on the last ${wd}` } : { week: n, words: `on the ${ordinals[n - 1]} ${wd}` }
}

// endOfDate is the last minute of a calendar date ("2026-12-24") in zone.
export const endOfDate = (date: string, zone: string): number => instantOf(date + 'T23:59', zone)
