// Recurring sessions (issue 14): a host in Berlin plans "Community call"
// with the lobby's form, keyboard only: Repeats Weekly, Ends After 4
// times, starting on the first Thursday of next month at 17:00. The
// Monthly choice names that weekday ("Monthly on the first Thursday").
// The lobby confirms the first occurrence with "Repeats weekly" and
// lists it under Upcoming and on its space's card; GET /api/series/{id}
// has FREQ=WEEKLY;COUNT=4, the zone, the space and the first start at
// 17:00 Berlin. axe-core on the form while it repeats; screenshots
// series-*.png at 1280 and 375.
//
//   node e2e/series.mjs BASE_URL ARTIFACTS_DIR
import { scenario, axe, noOverflow, call, tabTo, WIDE, PHONE } from './lib.mjs'

const { base, browser, P, shot, step } = await scenario()

const ZONE = 'Europe/Berlin'

// The first Thursday of next month (as Berlin's calendar reads it now).
const now = new Date(new Date().toLocaleString('en-US', { timeZone: ZONE }))
const first = new Date(Date.UTC(now.getFullYear(), now.getMonth() + 1, 1))
while (first.getUTCDay() !== 4) first.setUTCDate(first.getUTCDate() + 1)
const DATE = first.toISOString().slice(0, 10)

// both shoots el's part of page at 1280 and at 375.
async function both (page, name, el) {
  for (const vp of [WIDE, PHONE]) {
    await page.setViewportSize(vp)
    await el.evaluate(e => e.scrollIntoView({ block: 'start' }))
    await noOverflow(page, `${name} at ${vp.width}`)
    await shot(page, name)
  }
  await page.setViewportSize(WIDE)
}

const text = async (loc) => (await loc.innerText()).trim()
const expect = (what, got, want) => {
  if (!got.includes(want)) throw new Error(`${what}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`)
}
const focused = (page) => page.evaluate(() => document.activeElement?.id ?? '')

try {
  const host = await P.open(WIDE, { timezoneId: ZONE, locale: 'en-GB' })
  await host.goto(base + '/')
  await call(host, 'PATCH', '/api/me', { name: 'Ada Lovelace' })
  const space = await call(host, 'POST', '/api/spaces', { name: 'Open source club' })
  await host.reload()
  await host.locator('#new-space option', { hasText: 'Open source club' }).waitFor({ state: 'attached' })
  await host.locator('#sessions-scheduled .empty').waitFor()

  // The form, keyboard only (the start as a datetime-local gives it).
  await host.locator('body').focus()
  await tabTo(host, '#new-session-title')
  await host.keyboard.type('Community call')
  await tabTo(host, '#new-when')
  await host.locator('#new-when').fill(`${DATE}T17:00`)
  await tabTo(host, '#new-repeats')
  if (await host.locator('#ends').isVisible()) throw new Error('"Ends" shows for a session that does not repeat')
  await host.keyboard.press('ArrowDown')
  if (await host.locator('#new-repeats').inputValue() !== 'weekly') throw new Error('ArrowDown on Repeats does not choose Weekly')
  await host.locator('#ends').waitFor()
  expect('monthly option', await host.locator('#new-repeats option[value="monthly"]').innerText(), 'Monthly on the first Thursday')
  await host.keyboard.press('Tab')
  if (await focused(host) !== 'ends-never') throw new Error('Tab after Repeats does not reach Ends (Never): ' + await focused(host))
  await host.keyboard.press('ArrowDown')
  if (!(await host.locator('#ends-after').isChecked())) throw new Error('ArrowDown in Ends does not choose After')
  await host.keyboard.press('Tab')
  if (await focused(host) !== 'ends-count') throw new Error('Tab after "After" does not reach the count: ' + await focused(host))
  await host.keyboard.press('Control+A')
  await host.keyboard.type('4')
  expect('hint', await text(host.locator('#repeats-hint')), 'Repeats weekly, 4 times')
  if (!(await host.locator('#new-visibility').isDisabled())) throw new Error('visibility stays choosable for a series')
  expect('submit button', await text(host.locator('#create')), 'Create series')
  step('form: Repeats Weekly, Ends After 4 times, keyboard only; the rule in words')

  const form = host.locator('form.new-session')
  await axe(host, 'lobby form, repeating')
  await both(host, 'series-form', form)
  step('form while repeating: axe clean in light and dark; screenshots at 1280 and 375')

  // Monthly names the weekday, then back to weekly.
  await host.locator('#new-repeats').focus()
  await host.keyboard.press('ArrowDown')
  await host.keyboard.press('ArrowDown')
  if (await host.locator('#new-repeats').inputValue() !== 'monthly') throw new Error('not monthly')
  expect('monthly hint', await text(host.locator('#repeats-hint')), 'Repeats monthly on the first Thursday, 4 times')
  await both(host, 'series-monthly', form)
  await host.keyboard.press('ArrowUp')
  expect('every 2 weeks', await text(host.locator('#repeats-hint')), 'Repeats every 2 weeks, 4 times')
  // Ends On a date (the last Thursday of that month), then After again.
  const last = new Date(first)
  last.setUTCDate(last.getUTCDate() + 21)
  await tabTo(host, '#ends-after')
  await host.keyboard.press('ArrowDown')
  if (!(await host.locator('#ends-on').isChecked())) throw new Error('ArrowDown in Ends does not choose On')
  await host.locator('#ends-until').fill(last.toISOString().slice(0, 10))
  const lastDay = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short' }).format(last)
  expect('until', await text(host.locator('#repeats-hint')), 'Repeats every 2 weeks, until Thu')
  expect('until', await text(host.locator('#repeats-hint')), lastDay)
  await host.locator('#ends-on').focus()
  await host.keyboard.press('ArrowUp')
  await host.locator('#new-repeats').focus()
  await host.keyboard.press('ArrowUp')
  expect('weekly again', await text(host.locator('#repeats-hint')), 'Repeats weekly, 4 times')
  step('monthly: "Monthly on the first Thursday" from the chosen start; every 2 weeks; until a date in words')

  await tabTo(host, '#create')
  const posted = host.waitForResponse(r => r.url().endsWith('/api/series') && r.request().method() === 'POST')
  await host.keyboard.press('Enter')
  const res = await posted
  if (res.status() !== 201) throw new Error('POST /api/series: ' + res.status() + ' ' + await res.text())
  const made = await res.json()
  const confirm = host.locator('#first-occurrence')
  await confirm.waitFor()
  expect('confirmation', await text(confirm), 'Community call')
  expect('confirmation', await text(confirm), 'Repeats weekly, 4 times')
  expect('confirmation', await text(confirm), '17:00 CET')
  const row = host.locator('#sessions-scheduled .session-row', { hasText: 'Community call' })
  await row.waitFor()
  expect('upcoming row', await text(row), 'Repeats weekly')
  const card = host.locator(`#spaces [data-space="${space.id}"] .session-row`, { hasText: 'Community call' })
  await card.waitFor()
  expect('space card', await text(card), 'Repeats weekly')
  if (new URL(host.url()).pathname !== '/') throw new Error('left the lobby: ' + host.url())
  await both(host, 'series-made', host.locator('#series-made'))
  step('lobby: the first occurrence confirmed and listed under Upcoming and on its space card with "Repeats weekly"')

  const series = await call(host, 'GET', '/api/series/' + made.id)
  expect('rrule', series.rrule, 'FREQ=WEEKLY')
  expect('rrule', series.rrule, 'COUNT=4')
  if (series.rule.count !== 4 || series.rule.freq !== 'WEEKLY' || (series.rule.interval ?? 1) !== 1) throw new Error('rule: ' + JSON.stringify(series.rule))
  if (series.time_zone !== ZONE || series.space_id !== space.id || series.title !== 'Community call') throw new Error('series: ' + JSON.stringify(series))
  const hour = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, dateStyle: 'short', timeStyle: 'short' }).format(new Date(series.start))
  if (hour !== `${DATE.slice(8, 10)}/${DATE.slice(5, 7)}/${DATE.slice(0, 4)}, 17:00`) throw new Error('start is not 17:00 in Berlin on ' + DATE + ': ' + series.start)
  const occ = series.occurrences.find(o => o.session_id)
  const sess = await call(host, 'GET', '/api/sessions/' + occ.session_id)
  if (sess.scheduled_at.slice(0, 16) !== new Date(series.start).toISOString().slice(0, 16) || sess.title !== 'Community call') throw new Error('first occurrence: ' + JSON.stringify(sess))
  await both(host, 'series-lobby', host.locator('#sessions-scheduled'))
  await axe(host, 'lobby with the series made')
  step('API: the series reads FREQ=WEEKLY;COUNT=4 in Europe/Berlin from 17:00; its first occurrence is the session shown')

  if (P.errors.length > 0) throw new Error('page errors: ' + P.errors.join('; '))
  if (P.external.length > 0) throw new Error('requests left the server: ' + P.external.join(', '))
} finally {
  await browser.close()
}
