// End-to-end scenarios of the browser workspace, in headless Chromium
// driven by Playwright. Run by e2e_test.go, which starts the server:
//
//   node e2e/e2e.mjs BASE_URL ARTIFACTS_DIR
//
// It talks to the Go test over stdio to restart the server: it prints
// "STOP" and waits for "DOWN" on stdin, then prints "START" and waits
// for "UP". Each step prints "ok <step>"; any failure exits non-zero.
import { chromium } from 'playwright-core'
import { createInterface } from 'node:readline'

const [base, artifacts] = process.argv.slice(2)
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
const ask = async (say, want) => {
  console.log(say)
  const { value } = await lines.next()
  if (value !== want) throw new Error(`wanted ${want} from the test, got ${value}`)
}
const step = (name) => console.log('ok ' + name)
const T = 15000

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-dev-shm-usage']
})
const external = []
const newPage = async (width = 1200) => {
  const ctx = await browser.newContext({ viewport: { width, height: 900 } })
  const page = await ctx.newPage()
  page.setDefaultTimeout(T)
  page.on('request', r => { if (!r.url().startsWith(base) && !r.url().startsWith(base.replace('http', 'ws'))) external.push(r.url()) })
  page.on('pageerror', e => console.error('page error:', e.message))
  return page
}
const shot = (page, name) => page.screenshot({ path: `${artifacts}/${name}.png`, fullPage: true })
const editorText = (page) => page.locator('.ProseMirror').innerText()
const waitText = async (page, text) => {
  await page.waitForFunction(t => document.querySelector('.ProseMirror')?.innerText.includes(t), text, { timeout: T })
}

try {
  // Lobby: the host creates a session with an agenda.
  const host = await newPage()
  await host.goto(base + '/')
  await host.getByLabel('Title').fill('E2E weekly')
  await host.getByLabel('Item 1').fill('Intro')
  await host.getByRole('button', { name: 'Add item' }).click()
  await host.getByLabel('Item 2').fill('Demo')
  await shot(host, 'lobby')
  await host.getByRole('button', { name: 'Create session' }).click()
  await host.waitForURL(/\/s\/[^/]+$/)
  const id = host.url().split('/s/')[1]
  await host.locator('.ProseMirror').waitFor()
  step('lobby: create a session with an agenda')

  // A member joins; both type; each sees the other's text and caret.
  const member = await newPage(375) // phone width
  await member.goto(`${base}/s/${id}`)
  await member.locator('.ProseMirror').waitFor()
  await host.waitForFunction(() => document.querySelector('.status')?.dataset.synced === 'yes')
  await member.waitForFunction(() => document.querySelector('.status')?.dataset.synced === 'yes')
  await host.locator('.ProseMirror').click()
  await host.keyboard.press('Control+End')
  await host.keyboard.press('Enter')
  await host.keyboard.type('Hello from the host.')
  await waitText(member, 'Hello from the host.')
  await member.locator('.ProseMirror').click()
  await member.keyboard.press('Control+End')
  await member.keyboard.press('Enter')
  await member.keyboard.type('Reply from the member.')
  await waitText(host, 'Reply from the member.')
  const memberName = await member.evaluate(() => fetch('/api/me').then(r => r.json()).then(m => m.name))
  const hostName = await host.evaluate(() => fetch('/api/me').then(r => r.json()).then(m => m.name))
  // A caret is shared while its editor has focus: focus each in turn.
  await member.bringToFront()
  await member.locator('.ProseMirror').click()
  await member.keyboard.press('End')
  await host.locator('.collaboration-carets__label', { hasText: memberName }).waitFor({ timeout: 30000 }).catch(async (e) => {
    const dbg = await host.evaluate(() => ({
      carets: [...document.querySelectorAll('.collaboration-carets__caret')].map(c => c.outerHTML),
      states: [...window.cocreate.notes.awareness.getStates().entries()].map(([k, v]) => [k, JSON.stringify(v)])
    }))
    const mdbg = await member.evaluate(() => ({ focus: document.hasFocus(), active: document.activeElement?.className, states: [...window.cocreate.notes.awareness.getStates().entries()].map(([k, v]) => [k, JSON.stringify(v)]) }))
    console.error(JSON.stringify({ dbg, mdbg }, null, 1))
    throw e
  })
  await host.bringToFront()
  await host.locator('.ProseMirror').click()
  await host.keyboard.press('End')
  await member.locator('.collaboration-carets__label', { hasText: hostName }).waitFor({ timeout: 30000 })
  await shot(host, 'room-host')
  await shot(member, 'room-member-phone')
  step('two people type and see each other\'s text and caret')

  // The host runs the meeting; the member sees it.
  await host.locator('#start').click()
  await member.locator('#session-state', { hasText: 'live' }).waitFor()
  await host.locator('#agenda-next').click()
  await member.locator('#agenda li.current', { hasText: 'Intro' }).waitFor()
  await host.locator('#agenda-next').click()
  await member.locator('#agenda li.current', { hasText: 'Demo' }).waitFor()
  await host.locator('#timer-5').click()
  await member.waitForFunction(() => /^[0-4]:[0-5][0-9]$/.test(document.getElementById('timer')?.textContent ?? ''))
  if (await member.locator('#start, #agenda-next, #timer-5').count() !== 0) throw new Error('a member sees host controls')
  step('host starts the session, moves the agenda, starts the timer; the member sees it')

  // The member raises a hand, with the keyboard only (Tab to the button,
  // Enter); the host sees the queue.
  await member.locator('.ProseMirror').blur()
  await member.locator('body').focus()
  let found = false
  for (let i = 0; i < 80 && !found; i++) {
    await member.keyboard.press('Tab')
    found = await member.evaluate(() => document.activeElement?.id === 'raise')
  }
  if (!found) throw new Error('Raise hand cannot be reached with Tab')
  await member.keyboard.press('Enter')
  await host.locator('#hands li', { hasText: memberName }).waitFor()
  step('member raises a hand with the keyboard; the host sees the queue')

  // A poll: the host creates it, the member votes, the host sees the
  // count and closes it, the member sees it closed.
  await host.locator('#poll-q').fill('Lunch?')
  await host.locator('#poll-o').fill('Pizza, Salad')
  await host.locator('#poll-create').click()
  await member.getByRole('button', { name: 'Vote: Pizza' }).click()
  await host.locator('.poll .row', { hasText: 'Pizza' }).locator('.muted', { hasText: '1' }).waitFor()
  await host.getByRole('button', { name: 'Close poll' }).click()
  await member.locator('.poll legend', { hasText: '(closed)' }).waitFor()
  step('a poll: created, voted, counted, closed')

  // Every control has an accessible name, on each page so far.
  for (const [name, page] of [['host', host], ['member', member]]) {
    const unnamed = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
      .filter(el => !(el.labels?.length > 0 || el.getAttribute('aria-label') || el.textContent.trim()))
      .map(el => el.outerHTML))
    if (unnamed.length > 0) throw new Error(`${name}: controls without a name: ${unnamed.join(' ')}`)
  }
  // The phone-width page (375 px) needs no sideways scrolling.
  const wide = await member.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  if (wide > 0) throw new Error(`the room is ${wide}px wider than a 375px screen`)
  step('every control has an accessible name; the room fits a phone')

  // A viewer cannot type: a third person joins and the host makes them a viewer.
  const viewer = await newPage()
  await viewer.goto(`${base}/s/${id}`)
  await viewer.locator('.ProseMirror').waitFor()
  const viewerName = await viewer.evaluate(() => fetch('/api/me').then(r => r.json()).then(m => m.name))
  await host.getByLabel('Role of ' + viewerName).selectOption('viewer')
  await viewer.locator('.ProseMirror[contenteditable="false"]').waitFor()
  await viewer.locator('.ProseMirror').click()
  await viewer.keyboard.type('VIEWER WAS HERE')
  await host.waitForTimeout(500)
  if ((await editorText(host)).includes('VIEWER') || (await editorText(viewer)).includes('VIEWER')) throw new Error('a viewer typed into the notes')
  if (await viewer.locator('#raise').count() !== 0) throw new Error('a viewer can raise a hand')
  await shot(viewer, 'room-viewer')
  step('a viewer cannot type')

  // The server restarts mid-session; text typed while it is down is kept.
  await ask('STOP', 'DOWN')
  await member.locator('.status:not([data-state="connected"])').waitFor()
  await member.locator('.ProseMirror').click()
  await member.keyboard.press('Control+End')
  await member.keyboard.press('Enter')
  await member.keyboard.type('Typed while the server was down.')
  await ask('START', 'UP')
  await member.locator('.status[data-state="connected"]').waitFor({ timeout: 30000 })
  await host.locator('.status[data-state="connected"]').waitFor({ timeout: 30000 })
  await waitText(host, 'Typed while the server was down.')
  for (const t of ['Hello from the host.', 'Reply from the member.']) await waitText(member, t)
  step('the server restarts; pages reconnect and keep what was typed')

  // The host ends the session; the reader shows the notes; search finds a word.
  await host.locator('#end').click()
  await member.locator('#session-state', { hasText: 'ended' }).waitFor()
  await host.goto(`${base}/read/${id}`)
  await host.locator('#notes', { hasText: 'Typed while the server was down.' }).waitFor()
  await host.locator('#attendees li').first().waitFor()
  await host.locator('#versions li', { hasText: 'post-meeting' }).waitFor()
  await host.getByLabel('Search all notes').fill('member')
  await host.getByRole('button', { name: 'Search' }).click()
  await host.locator('#results li a', { hasText: 'E2E weekly' }).waitFor()
  await host.locator('#results mark').first().waitFor()
  await shot(host, 'reader')
  const dl = await host.evaluate(async (id) => (await fetch(`/notes/${id}?download=1`)).text(), id)
  if (!dl.includes('Typed while the server was down.')) throw new Error('the Markdown download lacks the notes')
  step('host ends the session; the reader shows the notes; search finds a typed word')

  if (external.length > 0) throw new Error('requests outside the server: ' + external.join(', '))
  step('no external requests')
  await browser.close()
  process.exit(0)
} catch (err) {
  console.error('FAILED:', err)
  await browser.close().catch(() => {})
  process.exit(1)
}
