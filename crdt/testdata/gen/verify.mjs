#!/usr/bin/env node
// verify.mjs checks an update produced by our Go engine against a fixture's
// final state, using the real yjs package as the judge:
//
//   node verify.mjs --fixture ../diff/x.json --update /tmp/go-state.bin
//
// The update (raw v1 bytes) is applied to a fresh Y.Doc; its text delta,
// map/array JSON, xml string and state vector must equal the fixture's
// "final". Prints "ok" and exits 0, or prints the first difference and
// exits 1.
//
// Without --update it checks the fixture itself: final.update, and the
// replay of all recorded updates, must both give final.

import { readFileSync } from 'node:fs'
import * as Y from 'yjs'
import { parseArgs, fromBase64, toBase64, readState, firstDiff } from './lib.mjs'

const usage = 'node verify.mjs --fixture FILE [--update GOFILE]'
const args = parseArgs(process.argv.slice(2), { fixture: null, update: '' }, usage)

let fixture
try {
  fixture = JSON.parse(readFileSync(args.fixture, 'utf8'))
} catch (err) {
  process.stderr.write(`verify: read fixture ${args.fixture}: ${err.message}\n`)
  process.exit(2)
}
const want = fixture.final

/** check applies updates to a fresh doc and returns a list of problems. */
function check (label, updates) {
  const doc = new Y.Doc()
  const problems = []
  for (let i = 0; i < updates.length; i++) {
    try {
      Y.applyUpdate(doc, updates[i])
    } catch (err) {
      problems.push(`${label}: yjs could not apply update ${i}: ${err.message}`)
      return problems
    }
  }
  if (doc.store.pendingStructs !== null) {
    const missing = [...doc.store.pendingStructs.missing.entries()].map(([c, k]) => `client ${c} clock ${k}`).join(', ')
    problems.push(`${label}: update has structs with missing dependencies (yjs keeps them pending; missing: ${missing})`)
  }
  if (doc.store.pendingDs !== null) {
    problems.push(`${label}: update has a delete set for structs yjs does not have (pending delete set)`)
  }
  const got = readState(Y, doc)
  for (const key of ['text', 'textString', 'map', 'array', 'xml']) {
    const d = firstDiff(want[key], got[key], key)
    if (d) problems.push(`${label}: ${d}`)
  }
  const sv = toBase64(Y.encodeStateVector(doc))
  if (sv !== want.stateVector) {
    const show = (b64) => JSON.stringify(Object.fromEntries([...Y.decodeStateVector(fromBase64(b64)).entries()].sort((a, b) => a[0] - b[0])))
    problems.push(`${label}: state vector differs: want ${show(want.stateVector)}, got ${show(sv)}`)
  }
  return problems
}

let problems
if (args.update !== '') {
  let bytes
  try {
    bytes = new Uint8Array(readFileSync(args.update))
  } catch (err) {
    process.stderr.write(`verify: read update ${args.update}: ${err.message}\n`)
    process.exit(2)
  }
  problems = check(`go update ${args.update} (${bytes.length} bytes)`, [bytes])
} else {
  problems = [
    ...check('fixture final.update', [fromBase64(want.update)]),
    ...check('fixture updates replayed in order', fixture.updates.map(u => fromBase64(u.update)))
  ]
}

if (problems.length > 0) {
  process.stderr.write(`verify: ${args.fixture} (seed ${fixture.seed}): MISMATCH\n`)
  for (const p of problems) process.stderr.write(`  ${p}\n`)
  process.exit(1)
}
process.stdout.write('ok\n')
