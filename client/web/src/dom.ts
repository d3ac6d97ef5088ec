// Small DOM helpers: every text goes in as text, never as HTML; morph
// updates a live tree in place so focus and scroll survive remote updates.

import { APIError } from './api'

type Child = Node | string | null | undefined | false
type Attr = string | boolean | number | ((e: Event) => void) | undefined

export function h<K extends keyof HTMLElementTagNameMap> (
  tag: K, attrs: Record<string, Attr> = {}, ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') {
      el.addEventListener(k.replace(/^on/, ''), v)
    } else if (v === true) {
      el.setAttribute(k, '')
    } else if (v !== false && v !== undefined) {
      el.setAttribute(k, String(v))
    }
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue
    el.append(typeof c === 'string' ? document.createTextNode(c) : c)
  }
  return el
}

export function clear (el: Element): void {
  while (el.firstChild !== null) el.removeChild(el.firstChild)
}

// morph makes the children of live equal to those of next, reusing the
// live nodes wherever the tag (and data-key, when given) matches: the
// element a person is using keeps its identity, focus and selection.
// Event listeners are not copied: morphed trees use delegated handlers
// (data-cmd and friends), never listeners on the nodes themselves.
export function morph (live: Element, next: Element): void {
  morphAttrs(live, next)
  const want = Array.from(next.childNodes)
  const keyed = new Map<string, Element>()
  for (const c of Array.from(live.children)) {
    const k = c.getAttribute('data-key')
    if (k !== null) keyed.set(c.tagName + ':' + k, c)
  }
  let at: ChildNode | null = live.firstChild
  for (const n of want) {
    let reuse: ChildNode | null = null
    if (n instanceof Element && n.hasAttribute('data-key')) {
      reuse = keyed.get(n.tagName + ':' + String(n.getAttribute('data-key'))) ?? null
      if (reuse !== null) keyed.delete(n.tagName + ':' + String(n.getAttribute('data-key')))
    } else {
      // The first unkeyed node of the same kind from here on: a node
      // that appeared or went away before it does not cost its identity.
      let cand: ChildNode | null = at
      while (cand !== null && !(cand.nodeType === n.nodeType && cand.nodeName === n.nodeName &&
        !(cand instanceof Element && cand.hasAttribute('data-key')))) cand = cand.nextSibling
      reuse = cand
    }
    if (reuse === null) {
      live.insertBefore(n, at)
      continue
    }
    if (reuse !== at && reuse.contains(document.activeElement)) {
      // Moving a node drops its focus: move the others out of its way.
      while (at !== null && at !== reuse) {
        const nx: ChildNode | null = at.nextSibling
        live.removeChild(at)
        at = nx
      }
    }
    if (reuse !== at) live.insertBefore(reuse, at)
    else at = (at as ChildNode).nextSibling
    if (reuse instanceof Element && n instanceof Element) morph(reuse, n)
    else if (reuse.nodeValue !== n.nodeValue) reuse.nodeValue = n.nodeValue
  }
  while (at !== null) {
    const nx: ChildNode | null = at.nextSibling
    live.removeChild(at)
    at = nx
  }
}

function morphAttrs (live: Element, next: Element): void {
  for (const a of Array.from(live.attributes)) {
    if (!next.hasAttribute(a.name)) live.removeAttribute(a.name)
  }
  for (const a of Array.from(next.attributes)) {
    if (live.getAttribute(a.name) !== a.value) live.setAttribute(a.name, a.value)
  }
  if (live instanceof HTMLInputElement && next instanceof HTMLInputElement && live !== document.activeElement) {
    if (live.type === 'checkbox' || live.type === 'radio') live.checked = next.checked
    else if (live.value !== next.value && next.hasAttribute('value')) live.value = next.value
  }
  if (live instanceof HTMLSelectElement && next instanceof HTMLSelectElement && live !== document.activeElement) {
    live.value = next.value
  }
}

// colorOf gives a stable, readable colour for a person, as #rrggbb
// (the caret extension takes hex colours only): a hue from the subject,
// dark enough for white label text (4.5:1 at every hue).
export function colorOf (subject: string): string {
  let n = 0
  for (const ch of subject) n = (n * 31 + ch.charCodeAt(0)) >>> 0
  const hue = n % 360
  const s = 0.7
  const l = 0.28
  const f = (k: number): string => {
    const a = s * Math.min(l, 1 - l)
    const x = (k + hue / 30) % 12
    const v = l - a * Math.max(-1, Math.min(x - 3, 9 - x, 1))
    return Math.round(v * 255).toString(16).padStart(2, '0')
  }
  return '#' + f(0) + f(8) + f(4)
}

export function initials (name: string): string {
  const parts = name.trim().split(/\s+/).filter(p => p !== '')
  return ((parts[0]?.[0] ?? '?') + (parts[1]?.[0] ?? '')).toUpperCase()
}

// fmtClock is a countdown or elapsed time: 4:05, 1:02:03.
export function fmtClock (ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  const hh = Math.floor(s / 3600)
  const mm = Math.floor(s / 60) % 60
  const ss = String(s % 60).padStart(2, '0')
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`
}

// fmtLength is a duration in words, the same way everywhere (planned and
// spent alike): "5 min", "2 min 19 s", "1 h 5 min", "0 s".
export function fmtLength (seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  if (s === 0) return '0 s'
  const parts: string[] = []
  if (s >= 3600) parts.push(`${Math.floor(s / 3600)} h`)
  if (Math.floor(s / 60) % 60 > 0) parts.push(`${Math.floor(s / 60) % 60} min`)
  if (s % 60 > 0 && s < 3600) parts.push(`${s % 60} s`)
  return parts.join(' ')
}

// plain turns an error into words a person can act on.
export function plain (err: unknown): string {
  if (err instanceof APIError) {
    if (err.status === 429) return 'Too many actions at once. Wait a moment and try again.'
    if (err.status === 401) return 'You are not signed in, or your link has expired. Open the link you were given again.'
    if (err.status === 403) return "You don't have permission to do that. " + sentence(err.message)
    if (err.status >= 500) return 'The server could not do that just now. Try again in a moment; nothing was changed.'
    return sentence(err.message)
  }
  if (err instanceof TypeError) return "Can't reach the server. Check your connection and try again; nothing was changed."
  return sentence(err instanceof Error ? err.message : String(err))
}

// sentence drops the Go error prefixes ("notes: invalid session: ") and
// starts with a capital letter.
function sentence (msg: string): string {
  const m = msg.replace(/^([a-z][\w ]*: )+/, '').trim()
  if (m === '') return 'Something went wrong.'
  const s = m[0].toUpperCase() + m.slice(1)
  return /[.!?]$/.test(s) ? s : s + '.'
}

// showError shows an error in words right where the person is looking:
// in the error slot of the section or form that holds `near`.
export function showError (near: Element, err: unknown): void {
  const host = near.closest('form, section, .card, [data-errors]') ?? near
  let slot = host.querySelector(':scope > .error')
  if (slot === null) {
    slot = h('p', { class: 'error', role: 'alert' })
    host.append(slot)
  }
  slot.textContent = plain(err)
  const s = slot
  window.setTimeout(() => { if (s.textContent === plain(err)) s.remove() }, 10000)
}

// emptyState is the friendly line shown where a list has nothing yet.
export const emptyState = (text: string): HTMLElement => h('p', { class: 'empty' }, text)

// swatch is a person's colour made safe for a style attribute (#rrggbb,
// else the subject's default) with the text colour readable on it: a
// chosen colour may be light, and white on yellow cannot be read.
export function swatch (color: unknown, subject = ''): { bg: string, fg: string } {
  const bg = typeof color === 'string' && /^#[0-9a-fA-F]{6}$/.test(color) ? color : colorOf(subject)
  const lin = (i: number): number => {
    const c = parseInt(bg.slice(i, i + 2), 16) / 255
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }
  const L = 0.2126 * lin(1) + 0.7152 * lin(3) + 0.0722 * lin(5)
  // Contrast with white is 1.05/(L+.05), with near-black (L .008) is
  // (L+.05)/.058: take the larger.
  return { bg, fg: 1.05 / (L + 0.05) >= (L + 0.05) / 0.058 ? '#ffffff' : '#111111' }
}
