// Shared helpers for gen.mjs, verify.mjs and bench.mjs: argument parsing,
// a seeded PRNG, base64, and JSON that keeps Uint8Array values.

import { readFileSync } from 'node:fs'

/** yjsVersion reads the version of the installed yjs package. */
export function yjsVersion () {
  const pkg = JSON.parse(readFileSync(new URL('./node_modules/yjs/package.json', import.meta.url), 'utf8'))
  return pkg.version
}

/**
 * parseArgs reads `--name value` and `--name=value` pairs. Every name must
 * appear in spec (name -> default value, or null when required); the type
 * of the default decides how the value is parsed.
 */
export function parseArgs (argv, spec, usage) {
  const out = {}
  for (const [k, v] of Object.entries(spec)) out[k] = v
  const fail = (msg) => {
    process.stderr.write(`${msg}\nusage: ${usage}\n`)
    process.exit(2)
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '-h' || a === '--help') {
      process.stdout.write(`usage: ${usage}\n`)
      process.exit(0)
    }
    if (!a.startsWith('--')) fail(`unexpected argument ${JSON.stringify(a)}`)
    let name = a.slice(2)
    let value
    const eq = name.indexOf('=')
    if (eq >= 0) {
      value = name.slice(eq + 1)
      name = name.slice(0, eq)
    } else {
      if (i + 1 >= argv.length) fail(`flag --${name} needs a value`)
      value = argv[++i]
    }
    if (!(name in spec)) fail(`unknown flag --${name}`)
    const def = spec[name]
    if (typeof def === 'number') {
      const n = Number(value)
      if (!Number.isFinite(n) || !Number.isInteger(n) || n < 0) fail(`flag --${name}: want a non-negative integer, got ${JSON.stringify(value)}`)
      out[name] = n
    } else if (typeof def === 'boolean') {
      if (value !== 'true' && value !== 'false') fail(`flag --${name}: want true or false, got ${JSON.stringify(value)}`)
      out[name] = value === 'true'
    } else {
      out[name] = value
    }
  }
  for (const [k, v] of Object.entries(out)) {
    if (v === null) fail(`flag --${k} is required`)
  }
  return out
}

/**
 * Rand is a small deterministic PRNG (mulberry32) with the helpers the
 * generator needs. The same seed always gives the same sequence.
 */
export class Rand {
  constructor (seed) {
    this.s = seed >>> 0
  }

  /** next returns a float in [0, 1). */
  next () {
    this.s = (this.s + 0x6D2B79F5) >>> 0
    let t = this.s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** int returns an integer in [0, n). */
  int (n) {
    return Math.floor(this.next() * n)
  }

  /** range returns an integer in [lo, hi]. */
  range (lo, hi) {
    return lo + this.int(hi - lo + 1)
  }

  /** uint32 returns an integer in [0, 2^32). */
  uint32 () {
    return this.int(4294967296)
  }

  chance (p) {
    return this.next() < p
  }

  pick (arr) {
    return arr[this.int(arr.length)]
  }

  /** weighted picks a key of an object of weights. */
  weighted (weights) {
    let total = 0
    for (const w of Object.values(weights)) total += w
    let r = this.next() * total
    for (const [k, w] of Object.entries(weights)) {
      if (w <= 0) continue
      r -= w
      if (r < 0) return k
    }
    return Object.keys(weights).find(k => weights[k] > 0)
  }
}

export const toBase64 = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString('base64')
export const fromBase64 = (s) => new Uint8Array(Buffer.from(s, 'base64'))

/** bytesReplacer is a JSON.stringify replacer writing Uint8Array as {"$bytes": base64}. */
export function bytesReplacer (_key, value) {
  if (value instanceof Uint8Array) return { $bytes: toBase64(value) }
  return value
}

/** plain turns a value into plain JSON data (Uint8Array -> {$bytes}). */
export const plain = (v) => v === undefined ? undefined : JSON.parse(JSON.stringify(v, bytesReplacer))

/**
 * firstDiff compares two plain JSON values, ignoring object key order, and
 * returns null when equal or a description of the first difference.
 */
export function firstDiff (want, got, path = '$') {
  if (want === got) return null
  const kind = (v) => v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v
  const kw = kind(want)
  const kg = kind(got)
  const show = (v) => {
    const s = JSON.stringify(v)
    return s === undefined ? 'undefined' : s.length > 200 ? s.slice(0, 200) + '…' : s
  }
  if (kw !== kg) return `${path}: want ${show(want)}, got ${show(got)}`
  if (kw === 'array') {
    const n = Math.min(want.length, got.length)
    for (let i = 0; i < n; i++) {
      const d = firstDiff(want[i], got[i], `${path}[${i}]`)
      if (d) return d
    }
    if (want.length !== got.length) {
      return `${path}: want length ${want.length}, got length ${got.length} (first extra: ${show(want.length > got.length ? want[n] : got[n])})`
    }
    return null
  }
  if (kw === 'object') {
    const keys = new Set([...Object.keys(want), ...Object.keys(got)])
    for (const k of [...keys].sort()) {
      if (!(k in want)) return `${path}: unexpected key ${JSON.stringify(k)} = ${show(got[k])}`
      if (!(k in got)) return `${path}: missing key ${JSON.stringify(k)} (want ${show(want[k])})`
      const d = firstDiff(want[k], got[k], `${path}.${k}`)
      if (d) return d
    }
    return null
  }
  if (kw === 'string') {
    let i = 0
    while (i < want.length && i < got.length && want[i] === got[i]) i++
    return `${path}: strings differ at UTF-16 index ${i}: want …${show(want.slice(Math.max(0, i - 20), i + 40))}, got …${show(got.slice(Math.max(0, i - 20), i + 40))}`
  }
  return `${path}: want ${show(want)}, got ${show(got)}`
}

/** readState extracts the values a fixture's "final" records from a doc. */
export function readState (Y, doc) {
  return {
    text: plain(doc.getText('text').toDelta()),
    textString: doc.getText('text').toString(),
    map: plain(doc.getMap('map').toJSON()),
    array: plain(doc.getArray('array').toJSON()),
    xml: doc.getXmlFragment('xml').toString()
  }
}
