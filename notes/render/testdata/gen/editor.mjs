// Editing sessions in a real TipTap editor (in happy-dom) bound to a
// Y.Doc by TipTap's Collaboration extension: the Yjs layout a browser
// writes while people type, format, delete and restructure, which is
// messier than a document converted in one go (split text items,
// formatting items, deletions).
import { Window } from 'happy-dom'
import * as Y from 'yjs'
import { Editor } from '@tiptap/core'
import StarterKit from '@tiptap/starter-kit'
import { TaskList, TaskItem } from '@tiptap/extension-list'
import Image from '@tiptap/extension-image'
import Collaboration from '@tiptap/extension-collaboration'

const win = new Window()
for (const k of ['window', 'document', 'navigator', 'Node', 'HTMLElement', 'Element', 'DocumentFragment',
  'MutationObserver', 'getComputedStyle', 'requestAnimationFrame', 'cancelAnimationFrame', 'DOMParser',
  'Text', 'Range', 'Selection', 'KeyboardEvent', 'MouseEvent', 'Event', 'ClipboardEvent', 'InputEvent']) {
  if (!(k in globalThis) || k === 'Event') {
    Object.defineProperty(globalThis, k, { value: k === 'window' ? win : win[k], configurable: true, writable: true })
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5))

function newEditor (ydoc) {
  return new Editor({
    element: document.createElement('div'),
    extensions: [
      StarterKit.configure({ undoRedo: false }),
      TaskList,
      TaskItem.configure({ nested: true }),
      Image,
      Collaboration.configure({ document: ydoc, field: 'default' })
    ]
  })
}

// run edits a fresh editor with fn and returns the Y update, the HTML and
// JSON the editor itself reports.
async function run (fn) {
  const ydoc = new Y.Doc()
  ydoc.clientID = 2
  const editor = newEditor(ydoc)
  await tick()
  await fn(editor)
  await tick()
  const out = {
    update: Buffer.from(Y.encodeStateAsUpdate(ydoc)).toString('base64'),
    html: editor.getHTML(),
    pm: editor.getJSON()
  }
  editor.destroy()
  return out
}

export const sessions = {
  // Typing, formatting ranges after the fact, deleting inside marks.
  'edit-typing': (e) => {
    e.commands.insertContent('Meeting notes')
    e.commands.setTextSelection({ from: 1, to: 8 })
    e.commands.toggleBold()
    e.commands.setTextSelection(14)
    e.commands.splitBlock()
    e.commands.insertContent('We agreed to ship on Friday and to write the changelog.')
    e.commands.setTextSelection({ from: 28, to: 34 })
    e.commands.toggleItalic()
    e.commands.setTextSelection({ from: 43, to: 70 })
    e.commands.setLink({ href: 'https://example.com/changelog' })
    e.commands.deleteRange({ from: 30, to: 33 })
    e.commands.setTextSelection({ from: 3, to: 6 })
    e.commands.toggleStrike()
  },
  // Turning paragraphs into headings, lists and task lists, and back.
  'edit-structure': (e) => {
    e.commands.insertContent('<p>Agenda</p><p>first point</p><p>second point</p><p>todo one</p><p>todo two</p><p>quote me</p>')
    e.commands.setTextSelection(3)
    e.commands.setHeading({ level: 2 })
    e.commands.setTextSelection({ from: 10, to: 33 })
    e.commands.toggleOrderedList()
    e.commands.setTextSelection(e.state.doc.content.size - 12)
    e.commands.toggleBlockquote()
    e.commands.setTextSelection(e.state.doc.content.size - 25)
    e.commands.toggleTaskList()
    e.commands.insertContentAt(e.state.doc.content.size, '<pre><code class="language-go">fmt.Println("hi")</code></pre><hr><p>end<br>line</p>')
  },
  // Hostile input pasted as HTML: the editor's parser meets it first.
  'edit-paste-hostile': (e) => {
    e.commands.insertContent('<p>pasted <a href="javascript:alert(1)">bad link</a> and <a href="https://example.com" onclick="alert(1)">good link</a></p>' +
      '<p onmouseover="alert(1)">text &lt;script&gt;alert(2)&lt;/script&gt;</p><img src="x" onerror="alert(3)" alt="img">')
  }
}

// concurrent has two editors edit the same paragraphs without seeing
// each other, then exchange updates: the merged document interleaves
// both clients' items, and the editors render it from Yjs.
async function concurrent () {
  const docA = new Y.Doc()
  docA.clientID = 3
  const docB = new Y.Doc()
  docB.clientID = 4
  const a = newEditor(docA)
  await tick()
  a.commands.insertContent('<p>Shared line one</p><ul><li><p>item</p></li></ul><p>tail</p>')
  await tick()
  Y.applyUpdate(docB, Y.encodeStateAsUpdate(docA))
  const b = newEditor(docB)
  await tick()
  // Offline edits on both sides.
  a.commands.setTextSelection(8)
  a.commands.insertContent('(from A) ')
  a.commands.setTextSelection({ from: 1, to: 7 })
  a.commands.toggleBold()
  b.commands.setTextSelection(16)
  b.commands.insertContent(' and B')
  b.commands.setTextSelection({ from: 8, to: 12 })
  b.commands.toggleItalic()
  b.commands.setTextSelection(b.state.doc.content.size - 2)
  b.commands.insertContent(' end')
  await tick()
  Y.applyUpdate(docB, Y.encodeStateAsUpdate(docA, Y.encodeStateVector(docB)))
  Y.applyUpdate(docA, Y.encodeStateAsUpdate(docB, Y.encodeStateVector(docA)))
  await tick()
  const out = {
    update: Buffer.from(Y.encodeStateAsUpdate(docA)).toString('base64'),
    html: a.getHTML(),
    pm: a.getJSON()
  }
  if (b.getHTML() !== out.html) throw new Error(`editors disagree:\n${out.html}\n${b.getHTML()}`)
  a.destroy()
  b.destroy()
  return out
}

export async function editorFixtures () {
  const out = {}
  for (const [name, fn] of Object.entries(sessions)) {
    out[name] = await run(fn)
  }
  out['edit-concurrent'] = await concurrent()
  await win.happyDOM.close()
  return out
}
