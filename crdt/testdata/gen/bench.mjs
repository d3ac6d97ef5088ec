#!/usr/bin/env node
// bench.mjs is the yjs side of the CRDT benchmark on one editing trace
// (format: /work/shared/traces/README.md). It prints one line of JSON:
//
//   node --expose-gc bench.mjs --trace ../../../../shared/traces/automerge-paper.json.gz
//
// local_ms   replay every patch as a local edit into doc A, one transaction per txn
// updates    update events A emitted during the replay (one per txn)
// remote_ms  apply those updates one by one into a fresh doc B
// encode_ms  Y.encodeStateAsUpdate(B), median of 5; encoded_bytes is its size
// load_ms    Y.applyUpdate of that encoding into a fresh doc, median of 5
// rss_mb     process RSS after the local replay, after a full GC
// ok         A's text equals the trace's endContent (ok_remote: B's, ok_load: the loaded doc's)
//
// A has clientID 1, B 2 (a small id encodes in one byte; random 32-bit ids
// make the encoding ~40% larger on automerge-paper). The update listener
// is attached during the local replay, as it is on the Go side.
//
// Positions in traces are Unicode code points; yjs counts UTF-16 units.
// When the trace has no character outside the BMP they are the same and
// are used as they are; otherwise a code-point mirror converts them.

import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { performance } from 'node:perf_hooks'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import * as Y from 'yjs'
import { parseArgs, yjsVersion } from './lib.mjs'

const args = parseArgs(process.argv.slice(2), { trace: null }, 'node --expose-gc bench.mjs --trace PATH.json.gz')

let gc = globalThis.gc
if (typeof gc !== 'function') {
  // started without --expose-gc: switch it on at run time
  setFlagsFromString('--expose-gc')
  gc = runInNewContext('gc')
}

let trace
try {
  trace = JSON.parse(gunzipSync(readFileSync(args.trace)).toString('utf8'))
} catch (err) {
  process.stderr.write(`bench: load trace ${args.trace}: ${err.message}\n`)
  process.exit(2)
}

const ASTRAL = /[\uD800-\uDFFF]/
let astral = ASTRAL.test(trace.startContent) || ASTRAL.test(trace.endContent)
let ops = 0
for (const txn of trace.txns) {
  for (const p of txn.patches) {
    ops++
    if (!astral && p[2] && ASTRAL.test(p[2])) astral = true
  }
}

/**
 * Mirror keeps the document as an array of code points so that code-point
 * positions can be turned into UTF-16 offsets. Only used for traces with
 * astral characters; correctness over speed.
 */
class Mirror {
  constructor (s) {
    this.cps = Array.from(s)
  }

  utf16 (cp) {
    let n = 0
    for (let i = 0; i < cp; i++) n += this.cps[i].length
    return n
  }

  span (pos, del) {
    const start = this.utf16(pos)
    let len = 0
    for (let i = pos; i < pos + del; i++) len += this.cps[i].length
    return [start, len]
  }

  splice (pos, del, ins) {
    this.cps.splice(pos, del, ...Array.from(ins))
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

// local replay into A
const docA = new Y.Doc()
docA.clientID = 1
const textA = docA.getText('text')
const updates = []
docA.on('update', (u) => { updates.push(u) })
if (trace.startContent !== '') textA.insert(0, trace.startContent)
const mirror = astral ? new Mirror(trace.startContent) : null

gc()
let t0 = performance.now()
if (!astral) {
  for (const txn of trace.txns) {
    docA.transact(() => {
      for (const [pos, del, ins] of txn.patches) {
        if (del > 0) textA.delete(pos, del)
        if (ins) textA.insert(pos, ins)
      }
    })
  }
} else {
  for (const txn of trace.txns) {
    docA.transact(() => {
      for (const [pos, del, ins] of txn.patches) {
        const [start, len] = mirror.span(pos, del)
        if (len > 0) textA.delete(start, len)
        if (ins) textA.insert(start, ins)
        mirror.splice(pos, del, ins || '')
      }
    })
  }
}
const localMs = performance.now() - t0
gc()
const rssMb = process.memoryUsage().rss / (1 << 20)
const okLocal = textA.toString() === trace.endContent

// remote: apply every update one by one into B
const docB = new Y.Doc()
docB.clientID = 2
t0 = performance.now()
for (const u of updates) Y.applyUpdate(docB, u)
const remoteMs = performance.now() - t0
const okRemote = docB.getText('text').toString() === trace.endContent

// encode B's full state
let encoded
const encodeTimes = []
for (let i = 0; i < 5; i++) {
  t0 = performance.now()
  encoded = Y.encodeStateAsUpdate(docB)
  encodeTimes.push(performance.now() - t0)
}

// load the encoded state into fresh docs
const loadTimes = []
let okLoad = true
for (let i = 0; i < 5; i++) {
  const d = new Y.Doc()
  t0 = performance.now()
  Y.applyUpdate(d, encoded)
  loadTimes.push(performance.now() - t0)
  if (i === 0) okLoad = d.getText('text').toString() === trace.endContent
}

const round = (x, n = 1) => Math.round(x * 10 ** n) / 10 ** n
const result = {
  trace: basename(args.trace).replace(/\.json\.gz$/, ''),
  yjs: yjsVersion(),
  node: process.version,
  ops,
  astral,
  local_ms: round(localMs),
  updates: updates.length,
  remote_ms: round(remoteMs),
  updates_per_s: Math.round(updates.length / (remoteMs / 1000)),
  encode_ms: round(median(encodeTimes), 2),
  encoded_bytes: encoded.length,
  load_ms: round(median(loadTimes), 2),
  rss_mb: round(rssMb),
  ok: okLocal,
  ok_remote: okRemote,
  ok_load: okLoad
}
process.stdout.write(JSON.stringify(result) + '\n')
