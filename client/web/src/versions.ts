// Versions of a session's notes in the reader: the list, "save a
// version", a side-by-side comparison of two versions (the diff API), and
// restoring one — written into the live notes as a new edit, so the
// history keeps everything that came before.

import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { api, Role, token, withToken } from './api'
import { ask } from './dialog'
import { emptyState, h, showError } from './dom'
import { moment, timeEl } from './time'

export interface Version { n: number, kind: string, name: string, created_at: string }

const kindName: Record<string, string> = { manual: 'saved by hand', auto: 'saved automatically', 'post-meeting': 'when the meeting ended' }
const sid = (id: string): string => encodeURIComponent(id)

export async function listVersions (id: string): Promise<Version[]> {
  return (await api<{ versions: Version[] }>('GET', `/api/sessions/${sid(id)}/versions`)).versions
}

// versionsPanel lists the versions, newest first, with the one shown
// marked; runners can save a named version.
export function versionsPanel (id: string, shown: number | null, role: Role | undefined, versions: Version[]): HTMLElement {
  const runs = role === 'host' || role === 'cohost'
  const list = versions.length === 0
    ? emptyState('No versions yet. One is saved when the meeting ends.')
    : h('ol', { id: 'versions', class: 'versions', reversed: true },
      h('li', { class: shown === null ? 'shown' : '' }, h('a', { href: withToken('/read/' + id), 'aria-current': shown === null ? 'page' : undefined }, 'Current notes'),
        h('span', { class: 'muted' }, ' live')),
      ...[...versions].reverse().map(v => h('li', { class: shown === v.n ? 'shown' : '', 'data-n': String(v.n) },
        h('a', { href: withToken(`/read/${id}?version=${v.n}`), 'aria-current': shown === v.n ? 'page' : undefined }, `#${v.n} ${v.name}`),
        h('span', { class: 'muted' }, ' ', timeEl(v.created_at, moment(v.created_at)), `, ${kindName[v.kind] ?? v.kind}`))))
  const save = h('button', {
    type: 'button',
    id: 'save-version',
    onclick: () => {
      void ask({ title: 'Save a version', text: 'A named snapshot of the notes and the meeting record, to come back to or compare with later.', field: 'Name', value: '', ok: 'Save version' })
        .then(async name => {
          if (name === null) return
          const v = await api<Version>('POST', `/api/sessions/${sid(id)}/versions`, { name })
          location.href = withToken(`/read/${id}?version=${v.n}`)
        }).catch(err => showError(save, err))
    }
  }, 'Save a version…')
  return h('section', { class: 'panel', 'aria-labelledby': 'h-versions', id: 'sec-versions' },
    h('h2', { id: 'h-versions' }, 'Versions'),
    list,
    runs ? h('p', {}, save) : null,
    versions.length > 0 ? compareForm(id, shown, versions) : null)
}

function compareForm (id: string, shown: number | null, versions: Version[]): HTMLElement {
  const opts = (sel: string): HTMLOptionElement[] => [
    ...[...versions].reverse().map(v => h('option', { value: String(v.n), selected: String(v.n) === sel }, `#${v.n} ${v.name}`)),
    h('option', { value: '', selected: sel === '' }, 'Current notes')]
  const from = shown ?? versions[versions.length - 1].n
  const f = h('form', { class: 'compare-form', id: 'compare-form', 'aria-label': 'Compare two versions' },
    h('h3', {}, 'Compare'),
    h('p', {}, h('label', { for: 'cmp-from' }, 'Older'), h('select', { id: 'cmp-from', name: 'from' }, ...opts(String(from)))),
    h('p', {}, h('label', { for: 'cmp-to' }, 'Newer'), h('select', { id: 'cmp-to', name: 'to' }, ...opts(''))),
    h('p', {}, h('button', { type: 'submit', id: 'compare' }, 'Compare side by side')))
  f.addEventListener('submit', e => {
    e.preventDefault()
    const fd = new FormData(f)
    const q = new URLSearchParams(location.search)
    q.set('compare', String(fd.get('from')))
    q.set('to', String(fd.get('to')))
    q.delete('version')
    location.href = withToken(`/read/${id}?` + q.toString().replace(/(^|&)token=[^&]*/, ''))
  })
  return f
}

const label = (versions: Version[], n: number | null): string => {
  if (n === null) return 'Current notes'
  const v = versions.find(x => x.n === n)
  return v === undefined ? `#${n}` : `#${v.n} ${v.name}`
}

// compareView shows the diff of two versions as two columns: removed
// lines on the left, added on the right, unchanged lines on both.
export async function compareView (id: string, from: number, to: number | null, versions: Version[]): Promise<HTMLElement> {
  const q = `from=${from}` + (to === null ? '' : `&to=${to}`)
  const d = await api<{ diff: string }>('GET', `/api/sessions/${sid(id)}/versions/diff?${q}`)
  // Each column is named by the heading above it.
  const left = h('div', { class: 'diff-col' })
  const right = h('div', { class: 'diff-col' })
  const rows: Array<[string | null, string | null, string]> = []
  let dels: string[] = []
  let adds: string[] = []
  const flush = (): void => {
    for (let i = 0; i < Math.max(dels.length, adds.length); i++) rows.push([dels[i] ?? null, adds[i] ?? null, 'change'])
    dels = []
    adds = []
  }
  for (const line of d.diff.split('\n')) {
    if (line.startsWith('---') || line.startsWith('+++')) continue
    if (line.startsWith('@@')) { flush(); rows.push(['⋯', '⋯', 'hunk']); continue }
    if (line.startsWith('-')) { dels.push(line.slice(1)); continue }
    if (line.startsWith('+')) { adds.push(line.slice(1)); continue }
    flush()
    if (line !== '' || rows.length > 0) rows.push([line.slice(1), line.slice(1), 'same'])
  }
  flush()
  for (const [l, r, kind] of rows) {
    left.append(h('div', { class: `dl ${kind === 'change' ? (l === null ? 'pad' : 'del') : kind}` }, l === null ? '' : l, kind === 'change' && l !== null ? h('span', { class: 'sr-only' }, ' (removed)') : null))
    right.append(h('div', { class: `dl ${kind === 'change' ? (r === null ? 'pad' : 'add') : kind}` }, r === null ? '' : r, kind === 'change' && r !== null ? h('span', { class: 'sr-only' }, ' (added)') : null))
  }
  const changed = rows.some(r => r[2] === 'change')
  return h('section', { class: 'card compare', id: 'compare-view', 'aria-labelledby': 'h-compare' },
    h('h2', { id: 'h-compare' }, 'Changes between versions'),
    changed ? null : emptyState('These two versions have the same notes.'),
    h('div', { class: 'diff' },
      h('div', {}, h('h3', {}, label(versions, from)), left),
      h('div', {}, h('h3', {}, label(versions, to)), right)))
}

// restore writes version n into the live notes as one new edit: the
// notes' content is replaced by a copy of the version's, which every
// connected editor sees and the history keeps (an earlier version can
// be restored the same way).
export async function restore (id: string, n: number): Promise<void> {
  const headers: Record<string, string> = token === '' ? {} : { Authorization: 'Bearer ' + token }
  const res = await fetch(`/api/sessions/${sid(id)}/notes?format=yjs&version=${n}`, { headers, credentials: 'same-origin' })
  if (!res.ok) throw new Error(`version ${n} could not be read (${res.status})`)
  const old = new Y.Doc()
  Y.applyUpdate(old, new Uint8Array(await res.arrayBuffer()))
  const live = new Y.Doc()
  const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/sync'
  const p = new WebsocketProvider(url, id + '/notes', live, { disableBc: true, params: token === '' ? {} : { token } })
  try {
    await new Promise<void>((resolve, reject) => {
      const t = window.setTimeout(() => reject(new Error("Can't reach the server to restore; nothing was changed.")), 15000)
      p.on('sync', (s: boolean) => { if (s) { window.clearTimeout(t); resolve() } })
    })
    const frag = live.getXmlFragment('default')
    const src = old.getXmlFragment('default')
    live.transact(() => {
      frag.delete(0, frag.length)
      frag.insert(0, src.toArray().map(x => (x as Y.XmlElement | Y.XmlText).clone()))
    })
    // Wait until the socket has handed the edit to the network.
    for (let i = 0; i < 50 && (p.ws === null || p.ws.bufferedAmount > 0); i++) await new Promise(r => setTimeout(r, 100))
    await new Promise(r => setTimeout(r, 300))
  } finally {
    p.destroy()
  }
}
