// Follow-through (issue 14): a weekly series in a space; in its first
// occurrence the host adds task items with the editor's checkbox button
// ("@grace" owns one, due on a date; another is overdue). The space's
// "Open tasks" panel in the lobby lists them by owner (the member's
// name) and by session. The first meeting ends: its open tasks are
// carried into the next occurrence, once, under "From last time", linked
// back. Ticked there in the browser, the task is ticked in the first
// occurrence too, and the Tasks view no longer lists it. axe-core on the
// Tasks view; screenshots of it and of the carried task at both sizes.
//
//   node e2e/tasks.mjs BASE_URL ARTIFACTS_DIR
import { launch, pages, shot as shooter, axe, noOverflow, call, T, WIDE, PHONE } from './lib.mjs'

const [base, artifacts] = process.argv.slice(2)
const step = (name) => console.log('ok ' + name)
const browser = await launch()
const P = pages(browser, base)
const shot = shooter(artifacts)

const ZONE = 'Europe/Berlin'
const dateIn = (ms) => new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms)
const today = dateIn(Date.now())
const MINUTES = 'Send the minutes @grace 2026-12-10'
const ROOM = `Book the room @ada ${dateIn(Date.now() - 3 * 86400000)}`

// until re-checks what fn reads (each call reloads what it looks at)
// until it holds, failing after T.
async function until (what, fn) {
  const end = Date.now() + T
  for (;;) {
    if (await fn()) return
    if (Date.now() > end) throw new Error('timed out waiting: ' + what)
  }
}

// openTasks opens the lobby's "Open tasks" panel of space (reloading the
// lobby) and waits for what it lists.
async function openTasks (page, space) {
  await page.goto(base + '/')
  const panel = page.locator('#tasks-' + space)
  await panel.locator('summary').click()
  await panel.locator('.task-groups > *').first().waitFor()
  return panel
}
const taskTexts = async (panel) => await panel.locator('.task .task-text').allInnerTexts()

// top scrolls el to the top of the screen (for a screenshot of it).
const top = async (el) => await el.evaluate(e => e.scrollIntoView({ block: 'start' }))

// taskItem is the task item of the notes in a room that holds text.
const taskItem = (page, text) => page.locator('.ProseMirror ul[data-type="taskList"] > li', { hasText: text })

try {
  const host = await P.open(WIDE, { timezoneId: ZONE, locale: 'en-GB' })
  const grace = await P.open(PHONE, { timezoneId: ZONE, locale: 'en-US' })
  for (const p of [host, grace]) await p.goto(base + '/')
  await call(host, 'PATCH', '/api/me', { name: 'Ada Lovelace' })
  await call(grace, 'PATCH', '/api/me', { name: 'Grace Hopper' })
  const space = await call(host, 'POST', '/api/spaces', { name: 'Community garden' })
  const inv = await call(host, 'POST', `/api/spaces/${space.id}/invites`, { role: 'member', expires_in_seconds: 3600, max_uses: 1 })
  await call(grace, 'POST', `/api/invites/${inv.code}/accept`)

  // No task yet: the panel says how to make one.
  let panel = await openTasks(host, space.id)
  const empty = await panel.locator('.task-groups').innerText()
  if (!/checkbox item/.test(empty) || !/@name/.test(empty) || !/2026-12-10/.test(empty)) throw new Error('the empty Tasks view does not say how to make a task: ' + empty)
  step('empty Tasks view says how to make a task (checkbox item, @name, a date)')

  // A weekly series whose first meeting began a few minutes ago: it and
  // the next occurrence (a week on) exist at once.
  const start = new Date(Math.floor((Date.now() - 5 * 60000) / 60000) * 60000).toISOString()
  const series = await call(host, 'POST', '/api/series', {
    title: 'Garden call', time_zone: ZONE, start, rule: { freq: 'WEEKLY', count: 4 }, space_id: space.id,
    agenda: [{ id: 'a1', title: 'Harvest', minutes: 20 }]
  })
  const first = series.occurrences[0]?.session_id
  if (first === undefined || first === '') throw new Error('the series has no first occurrence: ' + JSON.stringify(series.occurrences))

  // The host adds two task items with the toolbar's checkbox button.
  await host.goto(`${base}/s/${first}`)
  await host.locator('.ProseMirror').click()
  await host.evaluate(() => window.cocreate.editor.commands.focus('end'))
  await host.keyboard.press('Enter')
  await host.locator('#tool-tasks').click()
  await host.keyboard.type(MINUTES)
  await host.keyboard.press('Enter')
  await host.keyboard.type(ROOM)
  await taskItem(host, 'Book the room').waitFor()
  if (await taskItem(host, MINUTES).count() !== 1) throw new Error('the checkbox button made no task item')

  // The Tasks view lists them once stored: by owner, the member's name.
  await until('the Tasks view lists the new tasks', async () => {
    panel = await openTasks(host, space.id)
    const texts = await taskTexts(panel)
    return texts.includes(MINUTES) && texts.includes(ROOM)
  })
  const graceGroup = panel.locator('.task-group', { has: host.locator('h4', { hasText: 'Grace Hopper' }) })
  const minutes = graceGroup.locator('.task', { hasText: 'Send the minutes' })
  if (await minutes.count() !== 1) throw new Error('the task is not under Grace Hopper, once')
  const meta = await minutes.locator('.task-meta').innerText()
  if (!/^Due Thu 10 Dec · /.test(meta) || /Overdue/.test(meta) || !/in Garden call/.test(meta)) throw new Error('the task reads: ' + meta)
  if (await minutes.locator(`a[href="/s/${first}"]`).count() !== 1) throw new Error('the task does not link its session\'s room')
  const late = panel.locator('.task-group', { has: host.locator('h4', { hasText: 'Ada Lovelace' }) }).locator('.task', { hasText: 'Book the room' })
  if (!/^Overdue: due /.test(await late.locator('.due').innerText())) throw new Error('the overdue task does not say so in words')
  await axe(host, 'Tasks view by owner')
  await top(panel)
  await shot(host, 'tasks-view')
  // By session.
  await panel.locator('input[value="session"]').check()
  await panel.locator('.task-group h4 a', { hasText: 'Garden call' }).waitFor()
  if (!/for Grace Hopper/.test(await panel.locator('.task', { hasText: 'Send the minutes' }).innerText())) throw new Error('by session, the task does not name its owner')
  await axe(host, 'Tasks view by session')
  await top(panel)
  await shot(host, 'tasks-view-by-session')
  // Grace sees the same on her phone.
  const gpanel = await openTasks(grace, space.id)
  await gpanel.locator('.task-group h4', { hasText: 'Grace Hopper' }).waitFor()
  await top(gpanel)
  await noOverflow(grace, 'Tasks view at 375')
  await shot(grace, 'tasks-view')
  step('tasks added with the checkbox button are listed by owner (member names) and by session, due dates, overdue in words; axe clean')

  // The first meeting ends: its open tasks go into the next occurrence.
  await call(host, 'POST', `/api/sessions/${first}/commands`, { type: 'session.start' })
  await call(host, 'POST', `/api/sessions/${first}/commands`, { type: 'session.end' })
  const next = (await call(host, 'GET', '/api/series/' + series.id)).occurrences.find(o => o.session_id !== first && o.session_id)?.session_id
  if (next === undefined) throw new Error('the first occurrence ended and no next one was made')
  await host.goto(`${base}/s/${next}`)
  await host.locator('.ProseMirror h2', { hasText: 'From last time' }).waitFor()
  const carried = taskItem(host, 'Send the minutes')
  await carried.waitFor()
  if (await carried.count() !== 1) throw new Error('the task is carried more than once')
  if (await carried.locator(`a[href="/s/${first}"]`).count() !== 1) throw new Error('the carried task does not link where it came from')
  if (await carried.getAttribute('data-checked') !== 'false') throw new Error('the carried task is not open')
  await carried.scrollIntoViewIfNeeded()
  await shot(host, 'tasks-carried')
  await grace.goto(`${base}/s/${next}`)
  const gcarried = taskItem(grace, 'Send the minutes')
  await gcarried.waitFor()
  await gcarried.scrollIntoViewIfNeeded()
  await noOverflow(grace, 'carried task at 375')
  await shot(grace, 'tasks-carried')
  step('the meeting ended: the task is carried into the next occurrence once, under "From last time", linked back')

  // The Tasks view shows the task once, from the first occurrence.
  await until('the Tasks view shows the carried copy', async () => {
    panel = await openTasks(host, space.id)
    return await panel.locator(`.task[data-session="${next}"]`, { hasText: 'Send the minutes' }).count() === 1
  })
  const shown = panel.locator('.task', { hasText: 'Send the minutes' })
  if (await shown.count() !== 1) throw new Error('the carried task is listed more than once')
  if (await shown.locator(`.task-from a[href="/s/${first}"]`).count() !== 1) throw new Error('the carried task does not say where it came from')
  await axe(host, 'Tasks view with a carried task')
  await top(panel)
  await shot(host, 'tasks-view-carried')
  const gcarriedView = await openTasks(grace, space.id)
  await gcarriedView.locator('.task-from').first().waitFor()
  await top(gcarriedView)
  await noOverflow(grace, 'Tasks view with a carried task at 375')
  await shot(grace, 'tasks-view-carried')
  step('the Tasks view lists the carried task once, "from" the first occurrence')

  // Starting the next occurrence carries nothing twice; ticking the copy
  // there ticks the first occurrence's.
  await call(host, 'POST', `/api/sessions/${next}/commands`, { type: 'session.start' })
  await host.goto(`${base}/s/${next}`)
  await carried.waitFor()
  if (await carried.count() !== 1) throw new Error('the task is in the next occurrence more than once after it started')
  await carried.locator('input[type="checkbox"]').click()
  await host.locator('.ProseMirror ul[data-type="taskList"] > li[data-checked="true"]', { hasText: 'Send the minutes' }).waitFor()
  await grace.goto(`${base}/s/${first}`)
  await grace.locator('.ProseMirror ul[data-type="taskList"] > li[data-checked="true"]', { hasText: 'Send the minutes' }).waitFor()
  if (await taskItem(grace, 'Book the room').getAttribute('data-checked') !== 'false') throw new Error('the other task was ticked too')
  await host.reload()
  await host.locator('.ProseMirror ul[data-type="taskList"] > li[data-checked="true"]', { hasText: 'Send the minutes' }).waitFor()
  if (await taskItem(host, 'Send the minutes').count() !== 1) throw new Error('the task is in the next occurrence more than once after it started')
  step('ticked in the next occurrence, the task is ticked in the first; starting it carried nothing twice')

  // The Tasks view lists it no more; the other task stays.
  await until('the Tasks view drops the ticked task', async () => {
    panel = await openTasks(host, space.id)
    return !(await taskTexts(panel)).includes(MINUTES)
  })
  if (!(await taskTexts(panel)).includes(ROOM)) throw new Error('the open task went from the Tasks view too')
  step('the Tasks view no longer lists the ticked task; the open one stays')

  if (P.errors.length > 0) throw new Error('page errors: ' + P.errors.join('; '))
  if (P.external.length > 0) throw new Error('requests left the server: ' + P.external.join(', '))
} finally {
  await browser.close()
}
