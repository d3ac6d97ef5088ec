#!/usr/bin/env node
// golden.mjs writes crdt/testdata/golden.json: byte encodings made by the
// real lib0 and yjs that the Go engine must reproduce exactly.
//
//   node golden.mjs > ../golden.json
//
// - lib0: values (tagged, so JSON can carry undefined, bigint, -0, NaN,
//   Infinity and Uint8Array) with their encodings by each lib0 writer.
// - updates: for some committed fixtures, Y.mergeUpdates of subsets of their
//   updates (subsets with holes make Skip structs), Y.diffUpdate of the
//   merge against a state vector, and Y.encodeStateVectorFromUpdate.
import { readFileSync, readdirSync } from 'node:fs'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import { Rand } from './lib.mjs'

const b64 = (u) => Buffer.from(u).toString('base64')
const unb64 = (s) => new Uint8Array(Buffer.from(s, 'base64'))

// tag turns a JS value into JSON that says exactly what it was.
function tag (v) {
  if (v === undefined) return { t: 'undefined' }
  if (v === null) return { t: 'null' }
  if (typeof v === 'bigint') return { t: 'bigint', v: v.toString() }
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return { t: 'number', v: 'NaN' }
    if (!Number.isFinite(v)) return { t: 'number', v: v > 0 ? 'Infinity' : '-Infinity' }
    if (Object.is(v, -0)) return { t: 'number', v: '-0' }
    return { t: 'number', v: String(v) }
  }
  if (typeof v === 'string') return { t: 'string', v }
  if (typeof v === 'boolean') return { t: 'bool', v }
  if (v instanceof Uint8Array) return { t: 'bytes', v: b64(v) }
  if (Array.isArray(v)) return { t: 'array', v: v.map(tag) }
  return { t: 'object', v: Object.entries(v).map(([k, x]) => [k, tag(x)]) }
}

const enc = (f) => { const e = encoding.createEncoder(); f(e); return b64(encoding.toUint8Array(e)) }
const lib0 = []
for (const n of [0, 1, 127, 128, 255, 256, 16383, 16384, 2 ** 31 - 1, 2 ** 32, 2 ** 53 - 1]) {
  lib0.push({ writer: 'varUint', value: tag(n), bytes: enc(e => encoding.writeVarUint(e, n)) })
}
for (const n of [0, -0, 1, -1, 63, 64, -64, -65, 8191, -8192, 2 ** 31 - 1, -(2 ** 31), 2 ** 53 - 1, -(2 ** 53 - 1)]) {
  lib0.push({ writer: 'varInt', value: tag(n), bytes: enc(e => encoding.writeVarInt(e, n)) })
}
for (const s of ['', 'a', 'héllo', '😀 emoji', '\u0000nul', 'x'.repeat(300)]) {
  lib0.push({ writer: 'varString', value: tag(s), bytes: enc(e => encoding.writeVarString(e, s)) })
}
for (const f of [0, 1.5, -2.25, 3.4028234663852886e38, 1e-45]) {
  lib0.push({ writer: 'float32', value: tag(f), bytes: enc(e => encoding.writeFloat32(e, f)) })
}
for (const f of [0, 0.1, -1e300, 5e-324, Math.PI]) {
  lib0.push({ writer: 'float64', value: tag(f), bytes: enc(e => encoding.writeFloat64(e, f)) })
}
for (const n of [0n, 1n, -1n, 9007199254740993n, -(2n ** 63n), 2n ** 63n - 1n]) {
  lib0.push({ writer: 'bigint64', value: tag(n), bytes: enc(e => encoding.writeBigInt64(e, n)) })
}
const anys = [
  undefined, null, true, false, 0, -0, 1, -1, 2 ** 31 - 1, -(2 ** 31 - 1), 2 ** 31, -(2 ** 31),
  2 ** 53, 1.5, 0.1, -3.75, NaN, Infinity, -Infinity, 1e21, 123n, -5n,
  '', 'text', 'ünïcødé 😀', new Uint8Array([]), new Uint8Array([0, 1, 255]),
  [], [1, 'two', null, [3]], {}, { a: 1, b: 'x' }, { z: 1, a: 2, 10: 'ten', 2: 'two' },
  { nested: { deep: [1, { k: new Uint8Array([7]) }] }, list: [true, false] }
]
for (const v of anys) {
  lib0.push({ writer: 'any', value: tag(v), bytes: enc(e => encoding.writeAny(e, v)) })
}

// Updates: merge / diff / state vector from update, on committed fixtures.
const dir = new URL('../diff/', import.meta.url)
const names = readdirSync(dir).filter(n => n.endsWith('.json')).sort().slice(0, 8)
const updates = []
const rng = new Rand(4242)
const rand = () => rng.next()
for (const name of names) {
  const fx = JSON.parse(readFileSync(new URL(name, dir), 'utf8'))
  const all = fx.updates.map(u => unb64(u.update))
  for (let round = 0; round < 3; round++) {
    // a random subset, in order: holes between them make Skip structs
    const subset = all.filter(() => rand() < 0.35)
    if (subset.length < 2) continue
    const merged = Y.mergeUpdates(subset)
    const doc = new Y.Doc()
    for (const u of all.slice(0, Math.floor(all.length * rand()))) Y.applyUpdate(doc, u)
    const sv = Y.encodeStateVector(doc)
    updates.push({
      fixture: name,
      inputs: subset.map(b64),
      merged: b64(merged),
      stateVector: b64(sv),
      diff: b64(Y.diffUpdate(merged, sv)),
      svFromUpdate: b64(Y.encodeStateVectorFromUpdate(merged))
    })
  }
}

// Special contents yjs can write: a subdocument (ContentDoc), binary,
// bigint and nested values, an XmlHook, embeds with object keys in
// JavaScript order, and deletes of whole nested types.
const special = []
{
  const doc = new Y.Doc()
  doc.clientID = 77
  const m = doc.getMap('map')
  m.set('sub', new Y.Doc({ guid: 'sub-guid-1' }))
  m.set('bin', new Uint8Array([1, 2, 3]))
  m.set('big', 12345678901234567890n)
  m.set('obj', { b: 1, a: [1.5, null, true], 7: 'seven' })
  const frag = doc.getXmlFragment('xml')
  frag.insert(0, [new Y.XmlHook('hook'), new Y.XmlElement('p')])
  const t = doc.getText('text')
  t.insert(0, 'abc', { bold: true })
  t.insertEmbed(1, { z: 1, a: { y: 2 } })
  const arr = doc.getArray('array')
  const inner = new Y.Map()
  arr.insert(0, [inner, 'x'])
  inner.set('k', 'v')
  arr.delete(0, 1)
  special.push({ name: 'contents', update: b64(Y.encodeStateAsUpdate(doc)) })
}
{
  const doc = new Y.Doc({ gc: false })
  doc.clientID = 78
  const t = doc.getText('text')
  t.insert(0, 'hello world')
  t.format(0, 5, { italic: true })
  t.delete(2, 5)
  special.push({ name: 'no-gc', update: b64(Y.encodeStateAsUpdate(doc)) })
}

process.stdout.write(JSON.stringify({ special, lib0: lib0.length, yjs: JSON.parse(readFileSync(new URL('./node_modules/yjs/package.json', import.meta.url))).version, values: lib0, updates }) + '\n')
