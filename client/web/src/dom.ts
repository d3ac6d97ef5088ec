// Small DOM helpers: every text goes in as text, never as HTML.

type Child = Node | string | null | undefined | false

export function h<K extends keyof HTMLElementTagNameMap> (
  tag: K, attrs: Record<string, string | boolean | ((e: Event) => void)> = {}, ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') {
      el.addEventListener(k.replace(/^on/, ''), v)
    } else if (v === true) {
      el.setAttribute(k, '')
    } else if (v !== false) {
      el.setAttribute(k, v)
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

// colorOf gives a stable, readable colour for a person, as #rrggbb
// (the caret extension takes hex colours only): a hue from the subject,
// dark enough for white label text.
export function colorOf (subject: string): string {
  let n = 0
  for (const ch of subject) n = (n * 31 + ch.charCodeAt(0)) >>> 0
  const hue = n % 360
  const s = 0.7
  const l = 0.35
  const f = (k: number): string => {
    const a = s * Math.min(l, 1 - l)
    const x = (k + hue / 30) % 12
    const v = l - a * Math.max(-1, Math.min(x - 3, 9 - x, 1))
    return Math.round(v * 255).toString(16).padStart(2, '0')
  }
  return '#' + f(0) + f(8) + f(4)
}

export function fmtTime (ms: number | undefined, tz?: string): string {
  if (ms === undefined || ms === null) return ''
  try {
    return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', timeZone: tz })
  } catch {
    return new Date(ms).toLocaleTimeString()
  }
}

export function fmtDuration (ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  const m = Math.floor(s / 60)
  return `${m}:${String(s % 60).padStart(2, '0')}`
}

export function showError (where: Element, err: unknown): void {
  const msg = err instanceof Error ? err.message : String(err)
  const box = h('p', { class: 'error', role: 'alert' }, msg)
  where.prepend(box)
  setTimeout(() => box.remove(), 6000)
}
