// The shared notes editor: TipTap over the {id}/notes document with
// everyone's carets, and a formatting toolbar whose tooltips name the
// keyboard shortcuts (the same ones Google Docs uses where TipTap has them).

import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { Editor, Extension } from '@tiptap/core'
import StarterKit from '@tiptap/starter-kit'
import { TaskList, TaskItem } from '@tiptap/extension-list'
import Collaboration from '@tiptap/extension-collaboration'
import CollaborationCaret from '@tiptap/extension-collaboration-caret'
import { ask } from './dialog'
import { h, swatch } from './dom'
import { icon } from './icons'

const mac = /Mac|iPhone|iPad/.test(navigator.platform)
const key = (k: string): string => mac
  ? k.replace('Mod+', '⌘').replace('Alt+', '⌥').replace('Shift+', '⇧')
  : k.replace('Mod+', 'Ctrl+')

interface Tool {
  id: string
  label: string
  shortcut: string
  icon: string
  run: (e: Editor) => void
  active?: (e: Editor) => boolean
  enabled?: (e: Editor) => boolean
}

async function editLink (e: Editor): Promise<void> {
  // The browser reports a selection made with the keyboard a moment
  // later (selectionchange); let it arrive before reading it.
  await new Promise(resolve => setTimeout(resolve, 30))
  const prev = String(e.getAttributes('link').href ?? '')
  // The selection is kept by position: focus moving to the dialog and
  // back (and remote edits meanwhile) must not change what gets linked.
  const { from, to } = e.state.selection
  const href = await ask({ title: 'Link', text: 'The address the selected text links to. Leave it empty to remove the link.', field: 'Address', value: prev === '' ? 'https://' : prev, ok: 'Apply' })
  if (href === null) { e.commands.focus(); return }
  const chain = e.chain().focus().setTextSelection({ from, to }).extendMarkRange('link')
  if (href === '' || href === 'https://') chain.unsetLink().run()
  else chain.setLink({ href: /^[a-z]+:/i.test(href) ? href : 'https://' + href }).run()
}

const tools: Array<Tool | '|'> = [
  { id: 'undo', label: 'Undo', shortcut: 'Mod+Z', icon: '↶', run: e => e.chain().focus().undo().run(), enabled: e => e.can().undo() },
  { id: 'redo', label: 'Redo', shortcut: 'Mod+Shift+Z', icon: '↷', run: e => e.chain().focus().redo().run(), enabled: e => e.can().redo() },
  '|',
  { id: 'h1', label: 'Heading 1', shortcut: 'Mod+Alt+1', icon: 'H1', run: e => e.chain().focus().toggleHeading({ level: 1 }).run(), active: e => e.isActive('heading', { level: 1 }) },
  { id: 'h2', label: 'Heading 2', shortcut: 'Mod+Alt+2', icon: 'H2', run: e => e.chain().focus().toggleHeading({ level: 2 }).run(), active: e => e.isActive('heading', { level: 2 }) },
  '|',
  { id: 'bold', label: 'Bold', shortcut: 'Mod+B', icon: 'B', run: e => e.chain().focus().toggleBold().run(), active: e => e.isActive('bold') },
  { id: 'italic', label: 'Italic', shortcut: 'Mod+I', icon: 'I', run: e => e.chain().focus().toggleItalic().run(), active: e => e.isActive('italic') },
  { id: 'link', label: 'Link', shortcut: 'Mod+K', icon: 'link', run: e => { void editLink(e) }, active: e => e.isActive('link') },
  '|',
  { id: 'bullets', label: 'Bulleted list', shortcut: 'Mod+Shift+8', icon: '•', run: e => e.chain().focus().toggleBulletList().run(), active: e => e.isActive('bulletList') },
  { id: 'numbers', label: 'Numbered list', shortcut: 'Mod+Shift+7', icon: '1.', run: e => e.chain().focus().toggleOrderedList().run(), active: e => e.isActive('orderedList') },
  { id: 'tasks', label: 'Task list', shortcut: 'Mod+Shift+9', icon: '☑', run: e => e.chain().focus().toggleTaskList().run(), active: e => e.isActive('taskList') }
]

// Ctrl+K opens the link dialog, as in Google Docs.
const LinkShortcut = Extension.create({
  name: 'linkShortcut',
  addKeyboardShortcuts () {
    return { 'Mod-k': () => { void editLink(this.editor); return true } }
  }
})

export interface NotesEditor {
  editor: Editor
  toolbar: HTMLElement
  setEditable: (on: boolean, reason: string) => void
}

export function notesEditor (el: HTMLElement, doc: Y.Doc, provider: WebsocketProvider,
  user: { name: string, color: string }, editable: boolean): NotesEditor {
  const editor = new Editor({
    element: el,
    editable,
    extensions: [
      StarterKit.configure({ undoRedo: false, link: { openOnClick: false, autolink: true } }),
      TaskList,
      TaskItem.configure({ nested: true }),
      Collaboration.configure({ document: doc }),
      CollaborationCaret.configure({
        provider,
        user,
        render: u => {
          // The name shows for a few seconds after the person moves or
          // types (the caret is redrawn then), then fades (CSS), so it
          // never covers the line above for long.
          const c = swatch(u.color, String(u.name))
          const caret = h('span', { class: 'collaboration-carets__caret', style: `border-color: ${c.bg}` })
          caret.append(h('span', { class: 'collaboration-carets__label', style: `background-color: ${c.bg}; color: ${c.fg}` }, String(u.name)))
          return caret
        }
      }),
      LinkShortcut
    ],
    editorProps: {
      attributes: { 'aria-label': 'Shared notes', role: 'textbox', 'aria-multiline': 'true', spellcheck: 'true' }
    }
  })
  const buttons = new Map<string, HTMLButtonElement>()
  const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Formatting', 'aria-controls': 'editor' })
  for (const t of tools) {
    if (t === '|') { toolbar.append(h('span', { class: 'sep', 'aria-hidden': 'true' })); continue }
    const b = h('button', {
      type: 'button',
      id: 'tool-' + t.id,
      class: 'tool tool-' + t.id,
      title: `${t.label} (${key(t.shortcut)})`,
      'aria-label': t.label,
      'aria-keyshortcuts': t.shortcut.replace('Mod', mac ? 'Meta' : 'Control'),
      // Keep the text selection: the click must not move focus first.
      onmousedown: (e: Event) => e.preventDefault(),
      onclick: () => { if (editor.isEditable) t.run(editor) }
    // Text icons are drawn by CSS (data-icon), so the accessible name
    // is the label alone, not "H1 Heading 1".
    }, t.icon === 'link' ? icon('link') : h('span', { 'aria-hidden': 'true', class: 'glyph', 'data-icon': t.icon }))
    if (t.active !== undefined) b.setAttribute('aria-pressed', 'false')
    buttons.set(t.id, b)
    toolbar.append(b)
  }
  const refresh = (): void => {
    for (const t of tools) {
      if (t === '|') continue
      const b = buttons.get(t.id)
      if (b === undefined) continue
      if (t.active !== undefined) b.setAttribute('aria-pressed', String(t.active(editor)))
      const ok = editor.isEditable && (t.enabled === undefined || t.enabled(editor))
      b.setAttribute('aria-disabled', String(!ok))
    }
  }
  editor.on('transaction', refresh)
  editor.on('selectionUpdate', refresh)
  refresh()
  return {
    editor,
    toolbar,
    setEditable: (on, reason) => {
      if (editor.isEditable !== on) editor.setEditable(on)
      toolbar.hidden = !on
      el.dataset.readonly = on ? 'no' : 'yes'
      el.title = on ? '' : reason
      refresh()
    }
  }
}
