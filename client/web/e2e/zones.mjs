// Time zones and calendars (issue 14): three people in Berlin, New York
// and Tokyo (Playwright timezoneId and locale; Tokyo on a phone) open the
// same session, planned for 15:00 in Europe/Berlin. Each sees that moment
// in their own zone, labelled, with the session's zone alongside: in the
// lobby, the room (planned start and length), once it runs ("since"),
// and in the reader after it ended (when it actually happened, attendee
// and version times). The host adds the session to a calendar (.ics
// download) and subscribes to the space (a feed link a calendar app,
// without cookies, can read; revoked, it reads nothing). axe-core runs on
// each page; screenshots of each person's view go to ARTIFACTS_DIR.
//
//   node e2e/zones.mjs BASE_URL ARTIFACTS_DIR
import { readFile } from 'node:fs/promises'
import { launch, pages, shot as shooter, axe, noOverflow, call, WIDE, PHONE } from './lib.mjs'

const [base, artifacts] = process.argv.slice(2)
const step = (name) => console.log('ok ' + name)
const browser = await launch()
const P = pages(browser, base)
const shot = shooter(artifacts)

const START = '2026-12-03T14:00:00.000Z' // 15:00 in Berlin, 09:00 in New York, 23:00 in Tokyo
const ZONE = 'Europe/Berlin'
// Each person: their zone, language, screen, and what the planned start
// must read in their zone (the session's follows in the other two).
const people = [
  { key: 'berlin', timezoneId: 'Europe/Berlin', locale: 'de-DE', viewport: WIDE, abbr: 'CET', planned: /^Thu 3 Dec( 2026)?, 15:00 CET \(Europe\/Berlin\), 45 min$/ },
  { key: 'newyork', timezoneId: 'America/New_York', locale: 'en-US', viewport: WIDE, abbr: 'EST', planned: /^Thu, Dec 3(, 2026)?, 9:00 AM EST · 3:00 PM CET \(Europe\/Berlin\), 45 min$/ },
  { key: 'tokyo', timezoneId: 'Asia/Tokyo', locale: 'ja-JP', viewport: PHONE, abbr: 'JST', planned: /^Thu 3 Dec( 2026)?, 23:00 JST · 15:00 CET \(Europe\/Berlin\), 45 min$/ }
]

// clockIn is what a time of day of instant reads in a person's zone,
// the way the page writes it (24 h, or AM/PM for en-US).
const clockIn = (p, iso) => new Intl.DateTimeFormat(p.locale === 'en-US' ? 'en-US' : 'en-GB',
  { timeZone: p.timezoneId, hour: p.locale === 'en-US' ? 'numeric' : '2-digit', minute: '2-digit' }).format(new Date(iso)).replace(/\s/g, ' ')

// sameMoment checks that a <time> shows the same instant to everyone,
// each in their own zone, labelled.
async function sameMoment (sel, where, check) {
  const seen = []
  for (const p of people) {
    const el = p.page.locator(sel).first()
    await el.waitFor()
    // AM/PM may follow a narrow no-break space.
    const [dt, text] = [await el.getAttribute('datetime'), (await el.innerText()).replace(/\s/g, ' ').trim()]
    seen.push(dt)
    check(p, dt, text)
  }
  if (new Set(seen).size !== 1) throw new Error(`${where}: the three see different instants: ${seen.join(', ')}`)
  return seen[0]
}

try {
  for (const p of people) {
    p.page = await P.open(p.viewport, { timezoneId: p.timezoneId, locale: p.locale, acceptDownloads: true, permissions: ['clipboard-read', 'clipboard-write'] })
    await p.page.goto(base + '/')
    await p.page.locator('#spaces').waitFor()
  }
  const [berlin, newyork, tokyo] = people.map(p => p.page)
  const zoneSeen = await tokyo.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)
  if (zoneSeen !== 'Asia/Tokyo') throw new Error('the Tokyo browser is in ' + zoneSeen)

  // Berlin plans the session in a space and invites the other two.
  const space = await call(berlin, 'POST', '/api/spaces', { name: 'Pulse community' })
  const sess = await call(berlin, 'POST', '/api/sessions', {
    title: 'Community call', time_zone: ZONE, scheduled_at: START, space_id: space.id,
    agenda: [{ id: 'a1', title: 'News', minutes: 30 }, { id: 'a2', title: 'Plans', minutes: 15 }]
  })
  const inv = await call(berlin, 'POST', `/api/spaces/${space.id}/invites`, { role: 'member', expires_in_seconds: 3600, max_uses: 5 })
  for (const p of [newyork, tokyo]) await call(p, 'POST', `/api/invites/${inv.code}/accept`)

  // The lobby's Upcoming list: the planned moment in each zone.
  for (const p of people) await p.page.reload()
  await sameMoment('#sessions-scheduled .session-row .when time', 'lobby', (p, dt, text) => {
    if (dt !== START) throw new Error(`lobby (${p.key}): the planned start is ${dt}`)
    if (!p.planned.test(text)) throw new Error(`lobby (${p.key}): "${text}" does not match ${p.planned}`)
  })
  for (const p of people) {
    await shot(p.page, 'zones-lobby-' + p.key)
    await noOverflow(p.page, 'lobby in ' + p.key)
  }
  step('lobby: the planned start in each of three zones, labelled, with the session\'s zone alongside')

  // The room: the planned start and length in each zone.
  for (const p of people) await p.page.goto(`${base}/s/${sess.id}`)
  await sameMoment('#room-when', 'room', (p, dt, text) => {
    if (dt !== START) throw new Error(`room (${p.key}): the planned start is ${dt}`)
    if (!p.planned.test(text)) throw new Error(`room (${p.key}): "${text}" does not match ${p.planned}`)
  })
  for (const p of people) {
    await p.page.locator('#session-state').waitFor({ state: 'attached' })
    await shot(p.page, 'zones-room-' + p.key)
    await noOverflow(p.page, 'room in ' + p.key)
    await axe(p.page, 'room in ' + p.key)
  }
  step('room: scheduled start and duration in each zone; axe clean')

  // Add to calendar: the .ics download holds the event in Berlin time.
  const [dl] = await Promise.all([berlin.waitForEvent('download'), berlin.locator('#add-to-calendar').click()])
  const ics = await readFile(await dl.path(), 'utf8')
  if (!dl.suggestedFilename().endsWith('.ics')) throw new Error('the calendar file is named ' + dl.suggestedFilename())
  if (!ics.includes('BEGIN:VEVENT') || !ics.includes('DTSTART;TZID=Europe/Berlin:20261203T150000') || !ics.includes('SUMMARY:Community call')) {
    throw new Error('the downloaded calendar is not the session at 15:00 Berlin:\n' + ics)
  }
  step('add to calendar downloads the session as an .ics event at 15:00 Europe/Berlin')

  // The meeting runs: "since" in each zone, the same instant.
  await call(berlin, 'POST', `/api/sessions/${sess.id}/commands`, { type: 'session.start' })
  await tokyo.locator('#tab-meeting').click() // the phone shows the meeting on its own tab
  const started = await sameMoment('#live-since', 'live room', (p, dt, text) => {
    const want = `${clockIn(p, dt)} ${p.abbr}`
    if (text !== want) throw new Error(`live room (${p.key}): "since ${text}", want "${want}"`)
  })
  for (const p of people) await shot(p.page, 'zones-live-' + p.key)
  step('live room: "since" is the start in each one\'s zone, labelled')

  await call(berlin, 'POST', `/api/sessions/${sess.id}/versions`, { name: 'Mid-call' })
  await call(berlin, 'POST', `/api/sessions/${sess.id}/commands`, { type: 'session.end' })
  await berlin.locator('#ended-at').waitFor()

  // The reader: when it actually happened, attendees and versions, each
  // in the reader's zone.
  for (const p of people) await p.page.goto(`${base}/read/${sess.id}`)
  await sameMoment('#reader-when', 'reader', (p, dt, text) => {
    if (dt !== started) throw new Error(`reader (${p.key}): shows ${dt}, the meeting started ${started}`)
    if (!text.includes(clockIn(p, dt)) || !text.includes(` ${p.abbr}`) || !/2026/.test(text)) throw new Error(`reader (${p.key}): "${text}" is not the start in ${p.abbr}`)
    if (p.key !== 'berlin' && !text.includes('CET (Europe/Berlin)')) throw new Error(`reader (${p.key}): "${text}" lacks the session's zone`)
  })
  await sameMoment('#attendees time', 'attendees', (p, dt, text) => {
    if (!text.startsWith(clockIn(p, dt)) || !text.includes(' ' + p.abbr)) throw new Error(`attendees (${p.key}): "${text}" is not in ${p.abbr}`)
  })
  await sameMoment('#versions li[data-n] time', 'versions', (p, dt, text) => {
    if (!text.includes(clockIn(p, dt) + ' ' + p.abbr)) throw new Error(`versions (${p.key}): "${text}" is not in ${p.abbr}`)
  })
  for (const p of people) {
    await shot(p.page, 'zones-reader-' + p.key)
    await noOverflow(p.page, 'reader in ' + p.key)
    await axe(p.page, 'reader in ' + p.key)
  }
  step('reader: when the meeting happened, attendee and version times, in each zone; axe clean')

  // The Markdown names its zone.
  const md = await berlin.evaluate(async (id) => (await fetch(`/notes/${id}?download=1`)).text(), sess.id)
  if (!/\d{4}-\d\d-\d\d \d\d:\d\d Europe\/Berlin \(UTC\+01:00\)/.test(md)) throw new Error('the Markdown does not name its zone:\n' + md)

  // Past: when it happened.
  for (const p of people) await p.page.goto(base + '/')
  await sameMoment('#sessions-ended .session-row .when time', 'past', (p, dt, text) => {
    if (dt !== started || !text.includes(clockIn(p, dt))) throw new Error(`past (${p.key}): "${text}" is not when it happened`)
  })
  step('Past and the Markdown: when it happened, with the zone')

  // New York plans a session with the form for a day New York is on
  // summer time and Berlin not yet: the wall clock typed is read in New
  // York's zone, and each side labels its own offset.
  await newyork.locator('#new-session-title').fill('Spring planning')
  await newyork.locator('#new-when').fill('2027-03-15T09:00')
  await Promise.all([newyork.waitForURL(/\/s\//), newyork.locator('#create').click()])
  const spring = newyork.url().split('/s/')[1]
  const ny = (await newyork.locator('#room-when').innerText()).replace(/\s/g, ' ')
  if (await newyork.locator('#room-when').getAttribute('datetime') !== '2027-03-15T13:00:00.000Z' || ny !== 'Mon, Mar 15, 2027, 9:00 AM EDT (America/New_York), 1 h') {
    throw new Error('New York planned 09:00 on 15 March 2027 and sees ' + ny)
  }
  await berlin.goto(`${base}/s/${spring}`)
  const be = (await berlin.locator('#room-when').innerText()).replace(/\s/g, ' ')
  if (be !== 'Mon, 15 Mar 2027, 14:00 CET · 09:00 EDT (America/New_York), 1 h') throw new Error('Berlin sees the spring session at ' + be)
  await shot(berlin, 'zones-room-dst-berlin')
  step('a session planned with the form in New York summer time reads 9:00 AM EDT there and 14:00 CET in Berlin')

  // New York chooses to see times in Sydney (on this device).
  await newyork.goto(base + '/')
  await newyork.locator('#me-zone').selectOption('Australia/Sydney')
  await Promise.all([newyork.waitForEvent('load'), newyork.locator('#me-save').click()])
  const past = newyork.locator('#sessions-ended .session-row .when time')
  const sydney = { timezoneId: 'Australia/Sydney', locale: 'en-US' }
  const seen = (await past.innerText()).replace(/\s/g, ' ')
  if (!seen.includes(clockIn(sydney, started) + ' AEDT') || !seen.includes('(Europe/Berlin)')) throw new Error('with Australia/Sydney chosen, Past reads ' + seen)
  if (await newyork.locator('#me-zone').inputValue() !== 'Australia/Sydney') throw new Error('the chosen zone is not shown as chosen')
  await shot(newyork, 'zones-lobby-chosen-zone')
  await axe(newyork, 'lobby with a chosen zone')
  step('a zone chosen under "Your name" is the one every time is shown in')

  // Subscribe: a personal feed link, read without cookies, then revoked.
  await berlin.goto(base + '/')
  const card = berlin.locator(`[data-space="${space.id}"]`)
  await card.locator('[data-subscribe]').click()
  await berlin.locator('#feed-dialog').waitFor()
  if (await berlin.evaluate(() => document.activeElement?.id) !== 'feed-make') throw new Error('the subscribe dialog does not take focus')
  await berlin.locator('#feed-make').click()
  const url = await berlin.locator('#feed-url').inputValue()
  if (!url.startsWith(`${base}/api/spaces/${space.id}/calendar.ics?feed=`)) throw new Error('the feed link is ' + url)
  const feed = await fetch(url)
  const body = await feed.text()
  if (feed.status !== 200 || !body.includes('SUMMARY:Community call')) throw new Error(`the feed link reads ${feed.status}:\n${body}`)
  await berlin.locator('#feed-list .feed').first().waitFor()
  await shot(berlin, 'zones-subscribe')
  await axe(berlin, 'subscribe dialog')
  await berlin.locator('#feed-list .feed button.danger').first().click()
  await berlin.locator('#feed-revoked').waitFor()
  if (await berlin.locator('#feed-url').count() !== 0) throw new Error('the revoked link stays on screen')
  if (await berlin.evaluate(() => document.activeElement?.id) !== 'feed-make') throw new Error('focus is lost after revoking')
  const gone = await fetch(url)
  if (gone.status !== 404) throw new Error('a revoked feed link still reads: ' + gone.status)
  await berlin.keyboard.press('Escape')
  await berlin.locator('#feed-dialog').waitFor({ state: 'detached' })
  if (await berlin.evaluate(() => document.activeElement?.hasAttribute('data-subscribe'))) step('subscribe: a feed link read without cookies, revoked from the dialog; axe clean, focus kept')
  else throw new Error('focus does not return to Subscribe')

  if (P.errors.length > 0) throw new Error('page errors: ' + P.errors.join('; '))
  if (P.external.length > 0) throw new Error('requests left the server: ' + P.external.join(', '))
} finally {
  await browser.close()
}
