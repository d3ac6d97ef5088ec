// End-to-end scenarios of the browser workspace, in headless Chromium
// driven by Playwright, with three people: a host at 1280×800, a member
// on a 375×812 phone, and a third person at 1280×800 who becomes a viewer.
// Run by e2e_test.go, which starts the server:
//
//   node e2e/e2e.mjs BASE_URL ARTIFACTS_DIR
//
// It talks to the Go test over stdio to restart the server: it prints
// "STOP" and waits for "DOWN" on stdin, then prints "START" and waits
// for "UP". Each step prints "ok <step>"; any failure exits non-zero.
// Screenshots of every state at both sizes go to ARTIFACTS_DIR; axe-core
// runs on every page in light and dark; every state is checked for
// sideways scrolling at 375 px.
import { createInterface } from 'node:readline'
import { launch, pages, shot as shooter, axe, noOverflow, tabTo, focusedId, me, typeLine, WIDE, PHONE, T } from './lib.mjs'
import { meetingFlow } from './meeting.mjs'
import { afterFlow } from './after.mjs'
import { inviteFlow, viewerInvite, removeMember, MEMBER_NAME } from './access.mjs'

const [base, artifacts] = process.argv.slice(2)
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
const ask = async (say, want) => {
  console.log(say)
  const { value } = await lines.next()
  if (value !== want) throw new Error(`wanted ${want} from the test, got ${value}`)
}
const step = (name) => console.log('ok ' + name)
const browser = await launch()
const P = pages(browser, base)
const shot = shooter(artifacts)
const waitText = async (page, text) => {
  await page.waitForFunction(t => document.querySelector('.ProseMirror')?.innerText.includes(t), text, { timeout: T })
}
// both screenshots a state at the two sizes and checks the phone fits.
const both = async (name, wide, phone) => {
  await shot(wide, name)
  await shot(phone, name)
  await noOverflow(phone, name)
}
// dark screenshots pages in the dark colour scheme.
const dark = async (name, ...ps) => {
  for (const p of ps) {
    await p.emulateMedia({ colorScheme: 'dark' })
    await shot(p, name + '-dark')
    await p.emulateMedia({ colorScheme: 'light' })
  }
}
const ctx = { base, artifacts, step, shot, both, dark, ask, waitText, axe, noOverflow, tabTo, focusedId, me, T }

try {
  // Lobby: the host makes a space, then, keyboard only, plans a session
  // in it with an agenda.
  const host = await P.open(WIDE)
  const phoneLobby = await P.open(PHONE)
  await host.goto(base + '/')
  await host.locator('#spaces .empty').waitFor()
  await host.locator('#space-name').fill('E2E space')
  await host.locator('#space-create').click()
  await host.locator('#spaces [data-space] h3', { hasText: 'E2E space' }).waitFor()
  await host.locator('#new-space option', { hasText: 'E2E space' }).waitFor({ state: 'attached' })
  if (await host.locator('#new-space option:checked').innerText() !== 'E2E space') throw new Error('the new session is not planned in the space by default')
  await host.locator('#sessions-live .empty').waitFor()
  await host.locator('body').focus()
  await tabTo(host, '#new-session-title')
  await host.keyboard.type('E2E weekly')
  await tabTo(host, '#item-1')
  await host.keyboard.type('Intro')
  await host.keyboard.press('Tab') // minutes
  await host.keyboard.press('Control+A')
  await host.keyboard.type('1')
  await tabTo(host, '#add-item')
  await host.keyboard.press('Enter')
  await tabTo(host, '#item-2')
  await host.keyboard.type('Demo')
  await phoneLobby.goto(base + '/')
  await phoneLobby.locator('#sessions-live .empty').waitFor()
  await both('lobby', host, phoneLobby)
  await axe(host, 'lobby')
  await axe(phoneLobby, 'lobby (phone)')
  await tabTo(host, '#create')
  await host.keyboard.press('Enter')
  await host.waitForURL(/\/s\/[^/]+$/)
  const id = host.url().split('/s/')[1]
  await host.locator('.ProseMirror').waitFor()
  await phoneLobby.close()
  const made = await host.evaluate(async (id) => (await fetch('/api/sessions/' + id)).json(), id)
  const spaces = await host.evaluate(async () => (await fetch('/api/spaces')).json())
  if (made.space_id !== spaces.spaces.find(s => s.name === 'E2E space')?.id || made.visibility !== 'space') throw new Error('the session is not in the space, open to its members: ' + JSON.stringify(made))
  step('lobby: a space made, a session planned in it with the keyboard only; axe clean in light and dark')

  // A second guest is invited, accepts on a phone and names themselves;
  // both type; each sees the other's text and caret.
  const member = await inviteFlow({ ...ctx, host, id, P, PHONE, WIDE })
  for (const p of [host, member]) await p.waitForFunction(() => document.querySelector('#status')?.dataset.synced === 'yes')
  await typeLine(host, 'Hello from the host.')
  await waitText(member, 'Hello from the host.')
  await typeLine(member, 'Reply from the member.')
  await waitText(host, 'Reply from the member.')
  // "All changes saved" comes from the server's saved message (?saved=1):
  // the store holds the host's edits by then.
  await host.locator('#status .conn-text', { hasText: 'All changes saved' }).waitFor()
  const storedMd = await host.evaluate(async (id) => (await fetch(`/notes/${id}?download=1`)).text(), id)
  if (!storedMd.includes('Hello from the host.')) throw new Error('"All changes saved" but the notes lack the typed text:\n' + storedMd)
  const memberName = (await me(member)).name
  if (memberName !== MEMBER_NAME) throw new Error('the member is not named ' + MEMBER_NAME)
  const hostName = (await me(host)).name
  await member.bringToFront()
  await member.locator('.ProseMirror').click()
  await member.keyboard.press('End')
  await host.locator('.collaboration-carets__label', { hasText: memberName }).waitFor({ state: 'attached', timeout: 30000 })
  await host.bringToFront()
  await host.locator('.ProseMirror').click()
  await host.keyboard.press('End')
  await member.locator('.collaboration-carets__label', { hasText: hostName }).waitFor({ state: 'attached', timeout: 30000 })
  await both('room-typing', host, member)
  // Name labels fade after a few seconds instead of covering text.
  await member.waitForFunction(() => [...document.querySelectorAll('.collaboration-carets__label')]
    .every(l => getComputedStyle(l).visibility === 'hidden' || Number(getComputedStyle(l).opacity) === 0), null, { timeout: 10000 })
  await noOverflow(member, 'carets')
  step("two people type and see each other's text and caret; labels fade and fit a phone")

  // The toolbar: a heading, bold, a task list; the task's checkbox sits
  // on the line of its text; shortcuts are named in the tooltips.
  await host.locator('.ProseMirror').click()
  await host.evaluate(() => window.cocreate.editor.commands.focus('end'))
  await host.keyboard.press('Enter')
  await host.locator('#tool-h2').click()
  await host.keyboard.type('Decisions')
  await host.keyboard.press('Enter')
  await host.locator('#tool-tasks').click()
  await host.keyboard.type('Write the release notes')
  await host.keyboard.press('Shift+Home')
  await host.locator('#tool-bold').click()
  await host.keyboard.press('End')
  await member.locator('.ProseMirror h2', { hasText: 'Decisions' }).waitFor()
  await member.locator('.ProseMirror ul[data-type="taskList"] strong', { hasText: 'Write the release notes' }).waitFor()
  if (await host.locator('#tool-bold').getAttribute('aria-pressed') !== 'true') throw new Error('Bold is not shown as pressed in bold text')
  const tip = await host.locator('#tool-bold').getAttribute('title')
  if (!/Ctrl\+B|⌘B/.test(tip)) throw new Error('the Bold tooltip does not name its shortcut: ' + tip)
  const misaligned = await member.evaluate(() => {
    const li = document.querySelector('.ProseMirror ul[data-type="taskList"] > li')
    const box = li.querySelector('input').getBoundingClientRect()
    const text = li.querySelector('p').getBoundingClientRect()
    return Math.abs((box.top + box.bottom) / 2 - (text.top + Math.min(text.height, 26) / 2))
  })
  if (misaligned > 6) throw new Error(`the task checkbox is ${misaligned}px off its text line`)
  await host.keyboard.press('Control+z')
  await host.locator('.ProseMirror strong', { hasText: 'Write the release notes' }).waitFor({ state: 'detached' })
  await host.locator('#tool-redo').click()
  await host.locator('.ProseMirror strong', { hasText: 'Write the release notes' }).waitFor()
  // A link, with Ctrl+K as in Google Docs.
  await typeLine(host, 'See the wiki')
  await member.locator('.ProseMirror p', { hasText: 'See the wiki' }).waitFor()
  await host.keyboard.press('Control+Shift+ArrowLeft')
  await host.keyboard.press('Control+k')
  await host.locator('#dialog-field').fill('example.com/wiki')
  await host.keyboard.press('Enter')
  await member.locator('.ProseMirror a[href="https://example.com/wiki"]', { hasText: 'wiki' }).waitFor().catch(async e => {
    console.error('the link is missing; the host has', await host.locator('.ProseMirror').innerHTML())
    throw e
  })
  await both('room-scheduled', host, member)
  step('toolbar: heading, task list, bold, link (Ctrl+K), undo and redo; the checkbox sits on its line; shortcuts in tooltips')

  // The host sees the chosen name in the participants.
  await host.locator('#participants li', { hasText: MEMBER_NAME }).waitFor()
  const viewer = await P.open(WIDE)
  const viewerName = await viewerInvite({ ...ctx, host, id, PHONE }, viewer)
  await meetingFlow({ ...ctx, host, member, viewer, id, memberName })
  await afterFlow({ ...ctx, host, member, viewer, id, P, memberName })
  await removeMember({ ...ctx, host }, viewerName)

  if (P.external.length > 0) throw new Error('requests outside the server: ' + P.external.join(', '))
  if (P.errors.length > 0) throw new Error('errors on the pages: ' + P.errors.join('; '))
  step('no external requests, no page errors')
  await browser.close()
  process.exit(0)
} catch (err) {
  console.error('FAILED:', err)
  await browser.close().catch(() => {})
  process.exit(1)
}
