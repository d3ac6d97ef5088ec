// Writes the golden fixtures of notes/render: for every document in
// docs.mjs, the Yjs update that y-prosemirror makes of it (the layout a
// TipTap editor with the Collaboration extension keeps in its Y.Doc), the
// HTML TipTap's own generateHTML renders, and the ProseMirror JSON; and
// for every editing session in editor.mjs (a real TipTap editor with the
// Collaboration extension), the Y.Doc's update and the editor's HTML.
//
// Usage: node gen.mjs OUTDIR   (make render-fixtures)
//
// Reproducible: the Y.Doc client id is fixed, the documents are literals,
// and the package versions are pinned by package-lock.json.
import { mkdirSync, writeFileSync, readdirSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import * as Y from 'yjs'
import { getSchema } from '@tiptap/core'
import StarterKit from '@tiptap/starter-kit'
import { TaskList, TaskItem } from '@tiptap/extension-list'
import Image from '@tiptap/extension-image'
import { generateHTML } from '@tiptap/html'
import { Node } from '@tiptap/pm/model'
import { prosemirrorJSONToYXmlFragment, yXmlFragmentToProsemirrorJSON } from 'y-prosemirror'
import { docs } from './docs.mjs'
import { editorFixtures } from './editor.mjs'

const out = process.argv[2]
if (!out) {
  console.error('usage: node gen.mjs OUTDIR')
  process.exit(2)
}

const extensions = [StarterKit, TaskList, TaskItem.configure({ nested: true }), Image]
const schema = getSchema(extensions)

mkdirSync(out, { recursive: true })
for (const f of readdirSync(out)) {
  if (f.endsWith('.json')) unlinkSync(join(out, f))
}

// The schema facts the Go renderer depends on: mark order (outermost
// first when marks nest) and the nodes it knows.
writeFileSync(join(out, '_schema.json'), JSON.stringify({
  marks: Object.keys(schema.marks),
  nodes: Object.keys(schema.nodes)
}, null, 2) + '\n')

for (const [name, json] of Object.entries(docs)) {
  // Fails loudly if the literal does not fit TipTap's schema.
  const node = Node.fromJSON(schema, json)
  node.check()
  const ydoc = new Y.Doc()
  ydoc.clientID = 1
  const frag = ydoc.getXmlFragment('default')
  ydoc.transact(() => prosemirrorJSONToYXmlFragment(schema, node.toJSON(), frag))
  const update = Y.encodeStateAsUpdate(ydoc)
  // Round trip through the binding: what an editor would show.
  const back = yXmlFragmentToProsemirrorJSON(frag)
  const html = generateHTML(node.toJSON(), extensions)
  writeFileSync(join(out, name + '.json'), JSON.stringify({
    name,
    update: Buffer.from(update).toString('base64'),
    html,
    pm: node.toJSON(),
    ypm: back
  }, null, 2) + '\n')
}

// Documents typed in a real editor: the HTML is the editor's getHTML().
const edited = await editorFixtures()
for (const [name, f] of Object.entries(edited)) {
  writeFileSync(join(out, name + '.json'), JSON.stringify({ name, ...f }, null, 2) + '\n')
}
console.log(`wrote ${Object.keys(docs).length + Object.keys(edited).length} fixtures to ${out}`)
// happy-dom may leave timers behind.
process.exit(0)
