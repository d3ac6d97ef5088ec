#!/usr/bin/env node
// gen.mjs plays a deterministic, randomized multi-client editing session
// with the real yjs package over a simulated unreliable network, checks that
// every client converges, and writes a differential-test fixture: every
// update event every client emitted, plus the converged final state.
// The fixture format is described in ../README.md.
//
//   node gen.mjs --seed 7 --out ../diff/x.json [--clients 3] [--steps 200]
//                [--gc true|false] [--profile mixed|text|xml|map]
//                [--ids seq|random|big]

import { writeFileSync } from 'node:fs'
import * as Y from 'yjs'
import { Rand, parseArgs, toBase64, readState, firstDiff, yjsVersion } from './lib.mjs'

const usage = 'node gen.mjs --seed N --out FILE [--clients K] [--steps S] [--gc true|false] [--profile mixed|text|xml|map] [--ids auto|seq|random|big]'
const args = parseArgs(process.argv.slice(2), {
  seed: null,
  out: null,
  clients: 3,
  steps: 200,
  gc: true,
  profile: 'mixed',
  ids: 'auto'
}, usage)

const PROFILES = {
  // weights of the operation families picked at each step
  mixed: { text: 3, map: 2, array: 2, xml: 2, nested: 3 },
  text: { text: 10, map: 0, array: 0, xml: 0, nested: 0 },
  xml: { text: 0, map: 0, array: 0, xml: 6, nested: 4 },
  map: { text: 0, map: 8, array: 1, xml: 0, nested: 3 }
}
if (!(args.profile in PROFILES)) {
  process.stderr.write(`flag --profile: unknown profile ${JSON.stringify(args.profile)} (want one of ${Object.keys(PROFILES).join(', ')})\n`)
  process.exit(2)
}
if (args.seed > 4294967295) {
  process.stderr.write(`flag --seed: want 0..4294967295, got ${args.seed}\n`)
  process.exit(2)
}
if (args.clients < 1 || args.clients > 16) {
  process.stderr.write(`flag --clients: want 1..16, got ${args.clients}\n`)
  process.exit(2)
}

const seed = args.seed >>> 0
process.stderr.write(`gen: seed=${seed} clients=${args.clients} steps=${args.steps} gc=${args.gc} profile=${args.profile}\n`)
const rand = new Rand(seed)
const weights = PROFILES[args.profile]
const mapHeavy = args.profile === 'map'

// ---- clients ---------------------------------------------------------------

function clientIDs (k) {
  let mode = args.ids
  if (mode === 'auto') mode = ['seq', 'random', 'big'][seed % 3]
  const ids = []
  const used = new Set()
  const add = (id) => {
    id = id >>> 0
    while (used.has(id) || id === 0) id = (id + 1) >>> 0
    used.add(id)
    ids.push(id)
  }
  for (let i = 0; i < k; i++) {
    if (mode === 'seq') add(i + 1)
    else if (mode === 'random') add(rand.uint32())
    else if (mode === 'big') add([3000000000, 4294967295, 2147483648, 2147483647, 1][i] ?? rand.range(2147483648, 4294967295))
    else throw new Error(`flag --ids: unknown mode ${JSON.stringify(mode)}`)
  }
  return ids
}

const ids = clientIDs(args.clients)
const updates = [] // {client, update} of every update event, in emission order
const NET = 'net'
const SYNC = 'sync'

/** network messages in flight: {to, update, at} */
let inflight = []
let step = 0

const clients = ids.map((id, index) => {
  const doc = new Y.Doc({ gc: args.gc })
  doc.clientID = id
  // create the root types up front so every client has them
  doc.getText('text')
  doc.getMap('map')
  doc.getArray('array')
  doc.getXmlFragment('xml')
  const c = { index, id, doc, offlineUntil: -1 }
  doc.on('update', (update, origin) => {
    updates.push({ client: index, update: toBase64(update) })
    // Local changes (including the formatting cleanup yjs runs after remote
    // changes) go out on the network; changes that came from it do not.
    if (origin !== NET && origin !== SYNC) broadcast(c, update)
  })
  return c
})

const online = (c) => c.offlineUntil <= step

function broadcast (from, update) {
  if (!online(from)) return // lost: recovered by the sync on reconnect
  for (const to of clients) {
    if (to === from) continue
    if (rand.chance(0.02)) continue // dropped
    inflight.push({ to, update, at: step + rand.range(0, 6) })
    if (rand.chance(0.05)) inflight.push({ to, update, at: step + rand.range(0, 12) }) // duplicate
  }
}

function deliverDue () {
  const due = inflight.filter(m => m.at <= step)
  inflight = inflight.filter(m => m.at > step)
  // random order among due messages: reordering
  for (let i = due.length - 1; i > 0; i--) {
    const j = rand.int(i + 1)
    ;[due[i], due[j]] = [due[j], due[i]]
  }
  const byClient = new Map()
  for (const m of due) {
    if (!online(m.to)) continue // lost
    if (!byClient.has(m.to)) byClient.set(m.to, [])
    byClient.get(m.to).push(m.update)
  }
  for (const [to, list] of byClient) {
    if (list.length > 1 && rand.chance(0.15)) {
      Y.applyUpdate(to.doc, Y.mergeUpdates(list), NET)
    } else {
      for (const u of list) Y.applyUpdate(to.doc, u, NET)
    }
  }
}

function syncPair (a, b) {
  const ua = Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(b.doc))
  const ub = Y.encodeStateAsUpdate(b.doc, Y.encodeStateVector(a.doc))
  Y.applyUpdate(b.doc, ua, SYNC)
  Y.applyUpdate(a.doc, ub, SYNC)
}

function networkEvents () {
  for (const c of clients) {
    if (c.offlineUntil === step) {
      // back online: sync with every online peer
      for (const p of clients) if (p !== c && online(p)) syncPair(c, p)
    }
  }
  if (clients.length > 1 && rand.chance(0.03)) {
    const c = rand.pick(clients)
    if (online(c)) c.offlineUntil = step + rand.range(3, 40)
  }
  if (clients.length > 1 && rand.chance(0.03)) {
    // occasional anti-entropy between two online peers
    const a = rand.pick(clients)
    const b = rand.pick(clients)
    if (a !== b && online(a) && online(b)) syncPair(a, b)
  }
}

// ---- random values ---------------------------------------------------------

const WORDS = ['a', 'b', 'xy', 'hello', ' ', ' ', 'world', '\n', 'ä', 'é', 'ß', '中文', 'e\u0301', '"<&>\'', '\t', 'Ω']
const ASTRAL = ['😀', '👍🏽', '𝄞', '🇩🇪']

function randString (maxParts = 3) {
  let s = ''
  const n = rand.range(1, maxParts)
  for (let i = 0; i < n; i++) s += rand.chance(0.15) ? rand.pick(ASTRAL) : rand.pick(WORDS)
  return s
}

const KEYS = ['a', 'b', 'c', 'title', 'done', 'n', 'ключ', '😀', 'k-long-key-name', '']

function randNumber () {
  return rand.pick([
    () => rand.range(-5, 100),
    () => rand.range(-2147483648, 2147483647),
    () => 2 ** 40 + rand.int(1000),
    () => -(2 ** 53 - 1),
    () => 0.5,
    () => 3.14159,
    () => -1e-7,
    () => rand.next()
  ])()
}

function randAny (depth = 0) {
  const kinds = ['num', 'str', 'bool', 'null']
  if (depth < 2) kinds.push('obj', 'arr', 'bytes')
  switch (rand.pick(kinds)) {
    case 'num': return randNumber()
    case 'str': return rand.chance(0.1) ? '' : randString()
    case 'bool': return rand.chance(0.5)
    case 'null': return null
    case 'bytes': return randBytes()
    case 'obj': {
      const o = {}
      const n = rand.range(0, 3)
      for (let i = 0; i < n; i++) o[rand.pick(KEYS)] = randAny(depth + 1)
      return o
    }
    case 'arr': {
      const a = []
      const n = rand.range(0, 3)
      for (let i = 0; i < n; i++) a.push(randAny(depth + 1))
      return a
    }
  }
}

function randBytes () {
  const b = new Uint8Array(rand.range(0, 6))
  for (let i = 0; i < b.length; i++) b[i] = rand.int(256)
  return b
}

/** randType returns a new (sometimes prefilled) nested shared type. */
function randType () {
  switch (rand.int(3)) {
    case 0: return rand.chance(0.4) ? new Y.Text(randString()) : new Y.Text()
    case 1: return rand.chance(0.4) ? Y.Array.from([randAny(1), randAny(1)]) : new Y.Array()
    default: return rand.chance(0.4) ? new Y.Map([['k', randAny(1)], ['x', randNumber()]]) : new Y.Map()
  }
}

/** randValue returns a value for Map.set / Array.insert. */
function randValue () {
  const r = rand.next()
  if (r < 0.6) return randAny()
  if (r < 0.7) return randBytes()
  return randType()
}

const ATTRS = [
  () => ({ bold: true }),
  () => ({ italic: true }),
  () => ({ bold: true, italic: true }),
  () => ({ color: rand.pick(['#f00', '#00f']) }),
  () => ({ link: { href: rand.pick(['https://a.example/', 'https://b.example/x']) } })
]
const UNSET = [
  () => ({ bold: null }),
  () => ({ italic: null }),
  () => ({ color: null }),
  () => ({ link: null }),
  () => ({ bold: null, italic: null })
]
const EMBEDS = [
  () => ({ image: 'https://img.example/' + rand.int(100) + '.png' }),
  () => ({ formula: 'e=mc^2' }),
  () => ({ mention: { id: rand.int(1000), name: randString(1) } })
]

// ---- text ------------------------------------------------------------------

const isHigh = (c) => c >= 0xD800 && c <= 0xDBFF
const isLow = (c) => c >= 0xDC00 && c <= 0xDFFF

/** units returns the text as UTF-16 units, each embed as one U+FFFC. */
function units (ytext) {
  return ytext.toDelta().map(d => typeof d.insert === 'string' ? d.insert : '\uFFFC').join('')
}

/**
 * snap moves p off the middle of a surrogate pair. yjs replaces both halves
 * of a split pair with U+FFFD on the splitting client only, so splitting
 * would make clients diverge; we test code-point boundaries only.
 */
function snap (s, p) {
  if (p > 0 && p < s.length && isHigh(s.charCodeAt(p - 1)) && isLow(s.charCodeAt(p))) return p - 1
  return p
}

function randRange (s, max = 12) {
  const start = snap(s, rand.int(s.length + 1))
  const end = snap(s, Math.min(s.length, start + rand.range(1, max)))
  return [start, end - start]
}

function textOp (ytext, { embeds = true, formats = ATTRS } = {}) {
  const s = units(ytext)
  const op = s.length === 0 ? 'insert' : rand.weighted({ insert: 5, insertFmt: 2, embed: embeds ? 1 : 0, delete: 3, format: 2, unformat: 1 })
  switch (op) {
    case 'insert':
      ytext.insert(snap(s, rand.int(s.length + 1)), randString())
      break
    case 'insertFmt':
      ytext.insert(snap(s, rand.int(s.length + 1)), randString(), rand.pick(formats)())
      break
    case 'embed':
      if (rand.chance(0.3)) ytext.insertEmbed(snap(s, rand.int(s.length + 1)), rand.pick(EMBEDS)(), { bold: true })
      else ytext.insertEmbed(snap(s, rand.int(s.length + 1)), rand.pick(EMBEDS)())
      break
    case 'delete': {
      const [i, n] = randRange(s)
      if (n > 0) ytext.delete(i, n)
      break
    }
    case 'format': {
      const [i, n] = randRange(s, 20)
      if (n > 0) ytext.format(i, n, rand.pick(formats)())
      break
    }
    case 'unformat': {
      const [i, n] = randRange(s, 20)
      if (n > 0) ytext.format(i, n, rand.pick(UNSET)())
      break
    }
  }
}

// ---- map / array -----------------------------------------------------------

function mapOp (ymap) {
  const keys = mapHeavy ? ['a', 'b', 'c', 'ключ'] : KEYS
  if (ymap.size > 0 && rand.chance(0.2)) {
    ymap.delete(rand.chance(0.8) ? rand.pick([...ymap.keys()]) : rand.pick(keys))
    return
  }
  const key = rand.pick(keys)
  const v = randValue()
  ymap.set(key, v)
  if (v instanceof Y.AbstractType && rand.chance(0.5)) nestedOp(v) // edit the new type in the same transaction
}

function arrayOp (yarr) {
  const len = yarr.length
  if (len > 0 && rand.chance(0.3)) {
    const i = rand.int(len)
    yarr.delete(i, Math.min(len - i, rand.range(1, 3)))
    return
  }
  const items = []
  const n = rand.range(1, 4)
  for (let i = 0; i < n; i++) items.push(randValue())
  const r = rand.next()
  if (r < 0.15) yarr.push(items)
  else if (r < 0.25) yarr.unshift(items)
  else yarr.insert(rand.int(len + 1), items)
  if (rand.chance(0.3)) {
    const t = items.find(v => v instanceof Y.AbstractType)
    if (t) nestedOp(t)
  }
}

// ---- xml -------------------------------------------------------------------

const XML_ATTR_KEYS = ['level', 'class', 'data-id', 'align']

function randAttrValue (key) {
  if (key === 'level') return rand.chance(0.5) ? rand.range(1, 3) : String(rand.range(1, 3))
  return rand.pick(['left', 'center', 'x y', 'ü', '', String(rand.int(100))])
}

function newXmlText () {
  if (rand.chance(0.5)) return new Y.XmlText(randString())
  return new Y.XmlText()
}

function newXmlElement () {
  const kind = rand.weighted({ paragraph: 5, heading: 2, blockquote: 1 })
  const el = new Y.XmlElement(kind)
  if (kind === 'heading') el.setAttribute('level', randAttrValue('level'))
  if (kind === 'blockquote') {
    const p = new Y.XmlElement('paragraph')
    p.insert(0, [newXmlText()])
    el.insert(0, [p])
  } else if (rand.chance(0.8)) {
    el.insert(0, [newXmlText()])
  }
  return el
}

const XML_FORMATS = [
  () => ({ bold: true }),
  () => ({ italic: true }),
  () => ({ link: { href: 'https://a.example/' } })
]

function xmlChildrenOp (parent) {
  const len = parent.length
  const op = len === 0 ? 'insert' : rand.weighted({ insert: 4, text: 1, delete: 2 })
  switch (op) {
    case 'insert': {
      const el = newXmlElement()
      parent.insert(rand.int(len + 1), [el])
      if (rand.chance(0.3)) {
        // fill after integration
        el.setAttribute('data-id', String(rand.int(1000)))
        const t = new Y.XmlText()
        el.insert(el.length, [t])
        t.insert(0, randString())
      }
      break
    }
    case 'text':
      parent.insert(rand.int(len + 1), [new Y.XmlText(randString())])
      break
    case 'delete': {
      const i = rand.int(len)
      parent.delete(i, Math.min(len - i, rand.range(1, 2)))
      break
    }
  }
}

function xmlElementOp (el) {
  const op = rand.weighted({ setAttr: 3, removeAttr: 1, children: 3 })
  if (op === 'setAttr') {
    const key = rand.pick(XML_ATTR_KEYS)
    el.setAttribute(key, randAttrValue(key))
  } else if (op === 'removeAttr') {
    const keys = Object.keys(el.getAttributes())
    el.removeAttribute(keys.length > 0 && rand.chance(0.8) ? rand.pick(keys) : rand.pick(XML_ATTR_KEYS))
  } else {
    xmlChildrenOp(el)
  }
}

// ---- nested ----------------------------------------------------------------

/** liveTypes lists every shared type reachable from the roots, roots included. */
function liveTypes (doc) {
  const out = []
  const walk = (t) => {
    out.push(t)
    if (t instanceof Y.Map) {
      for (const v of t.values()) if (v instanceof Y.AbstractType) walk(v)
    } else if (t instanceof Y.Array || t instanceof Y.XmlFragment) {
      // XmlElement extends XmlFragment
      for (const v of t.toArray()) if (v instanceof Y.AbstractType) walk(v)
    }
  }
  walk(doc.getText('text'))
  walk(doc.getMap('map'))
  walk(doc.getArray('array'))
  walk(doc.getXmlFragment('xml'))
  return out
}

function nestedOp (t) {
  if (t instanceof Y.XmlText) textOp(t, { embeds: false, formats: XML_FORMATS })
  else if (t instanceof Y.Text) textOp(t)
  else if (t instanceof Y.Map) mapOp(t)
  else if (t instanceof Y.Array) arrayOp(t)
  else if (t instanceof Y.XmlElement) xmlElementOp(t)
  else if (t instanceof Y.XmlFragment) xmlChildrenOp(t)
}

function randomOp (doc) {
  switch (rand.weighted(weights)) {
    case 'text': textOp(doc.getText('text')); break
    case 'map': mapOp(doc.getMap('map')); break
    case 'array': arrayOp(doc.getArray('array')); break
    case 'xml': xmlChildrenOp(doc.getXmlFragment('xml')); break
    case 'nested': {
      let types = liveTypes(doc)
      if (args.profile === 'xml') types = types.filter(t => t instanceof Y.XmlFragment || t instanceof Y.XmlText)
      const nested = types.slice(4)
      nestedOp(nested.length > 0 && rand.chance(0.85) ? rand.pick(nested) : rand.pick(types))
      break
    }
  }
}

// ---- session ---------------------------------------------------------------

for (step = 0; step < args.steps; step++) {
  deliverDue()
  networkEvents()
  const c = rand.pick(clients)
  if (rand.chance(0.25)) {
    const n = rand.range(2, 6)
    c.doc.transact(() => {
      for (let i = 0; i < n; i++) randomOp(c.doc)
    })
  } else {
    randomOp(c.doc)
  }
}

// Deliver what is still in flight, bring everyone online, then sync every
// pair both ways until nothing changes.
step = 1e12
deliverDue()
for (const c of clients) c.offlineUntil = -1
let rounds = 0
for (;;) {
  const before = updates.length
  for (const a of clients) for (const b of clients) if (a.index < b.index) syncPair(a, b)
  rounds++
  deliverDue() // cleanup updates broadcast during the sync
  const svs = clients.map(c => toBase64(Y.encodeStateVector(c.doc)))
  const pending = clients.some(c => c.doc.store.pendingStructs !== null || c.doc.store.pendingDs !== null)
  if (updates.length === before && svs.every(s => s === svs[0]) && !pending) break
  if (rounds > 20) throw new Error(`seed ${seed}: clients did not converge after ${rounds} sync rounds`)
}

const finals = clients.map(c => readState(Y, c.doc))
for (let i = 1; i < clients.length; i++) {
  const d = firstDiff(finals[0], finals[i])
  if (d) throw new Error(`seed ${seed}: client ${i} differs from client 0 after sync: ${d}`)
}

const doc0 = clients[0].doc
const final = {
  stateVector: toBase64(Y.encodeStateVector(doc0)),
  update: toBase64(Y.encodeStateAsUpdate(doc0)),
  ...finals[0]
}

// One update per line keeps diffs of regenerated fixtures readable.
const head = {
  yjs: yjsVersion(),
  seed,
  gc: args.gc,
  clients: args.clients,
  clientIDs: ids,
  steps: args.steps,
  profile: args.profile
}
let out = '{\n'
for (const [k, v] of Object.entries(head)) out += `${JSON.stringify(k)}: ${JSON.stringify(v)},\n`
out += '"updates": [\n'
out += updates.map(u => JSON.stringify(u)).join(',\n')
out += '\n],\n'
out += `"final": ${JSON.stringify(final)}\n}\n`
JSON.parse(out) // self-check
writeFileSync(args.out, out)
process.stderr.write(`gen: seed=${seed} ok: ${updates.length} updates, ${rounds} final sync rounds, ${out.length} bytes -> ${args.out}\n`)
