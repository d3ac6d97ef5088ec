// RSVP (issue 14): a host (Ada) and two members (Grace on a phone,
// Katherine) in a space with a session planned for later. Grace answers
// Going in the room with the toggle buttons; the count and her answer
// show, and the host sees "Grace Hopper · Going" by her member name.
// Katherine says going too, on the lobby's row, and only looks into the
// room before the meeting.
// The meeting runs with Ada and Grace and ends: the answers close (the
// section goes; the server refuses with 409), and the reader shows the
// host who said going and came, who said going and did not come, and
// who came without answering — a member sees none of it. axe-core on the
// room and the reader; screenshots rsvp-*.png at 1280 and 375.
//
//   node e2e/rsvp.mjs BASE_URL ARTIFACTS_DIR
import { scenario, axe, noOverflow, call, WIDE, PHONE } from './lib.mjs'

const { base, browser, P, shot, step } = await scenario()

const ZONE = 'Europe/Berlin'

// top brings el into view for a screenshot of it: the page stays at its
// top when el is already in view, else el goes to the top of the screen
// with its heading clear of the room's sticky tabs.
const top = async (el) => await el.evaluate(e => {
  const r = e.getBoundingClientRect()
  if (r.top >= 0 && r.bottom <= window.innerHeight) return
  e.scrollIntoView({ block: 'start' })
  window.scrollBy(0, -56)
})

// both shoots page at 1280 and at 375 (the same person, resized).
async function both (page, name, el) {
  for (const vp of [WIDE, PHONE]) {
    await page.setViewportSize(vp)
    await page.evaluate(() => window.scrollTo(0, 0))
    if (vp === PHONE && await page.locator('#tab-meeting').isVisible() && await el.isHidden()) await page.locator('#tab-meeting').click()
    await top(el)
    await noOverflow(page, `${name} at ${vp.width}`)
    await shot(page, name)
  }
  await page.setViewportSize(WIDE)
}

const text = async (loc) => (await loc.innerText()).trim()

try {
  const host = await P.open(WIDE, { timezoneId: ZONE, locale: 'en-GB' })
  const grace = await P.open(PHONE, { timezoneId: ZONE, locale: 'en-US' })
  const kate = await P.open(WIDE, { timezoneId: ZONE, locale: 'en-US' })
  for (const p of [host, grace, kate]) await p.goto(base + '/')
  await call(host, 'PATCH', '/api/me', { name: 'Ada Lovelace' })
  await call(grace, 'PATCH', '/api/me', { name: 'Grace Hopper' })
  await call(kate, 'PATCH', '/api/me', { name: 'Katherine Johnson' })
  const space = await call(host, 'POST', '/api/spaces', { name: 'Community garden' })
  for (const p of [grace, kate]) {
    const inv = await call(host, 'POST', `/api/spaces/${space.id}/invites`, { role: 'member', expires_in_seconds: 3600, max_uses: 1 })
    await call(p, 'POST', `/api/invites/${inv.code}/accept`)
  }
  const sess = await call(host, 'POST', '/api/sessions', {
    title: 'Garden call', time_zone: ZONE, scheduled_at: new Date(Date.now() + 2 * 3600000).toISOString(),
    agenda: [{ id: 'a1', title: 'Harvest', minutes: 20 }], space_id: space.id, visibility: 'space'
  })
  const id = sess.id

  // The host's room before anyone answered.
  await host.goto(`${base}/s/${id}`)
  const hostRSVP = host.locator('#sec-rsvp')
  await hostRSVP.locator('#rsvp-counts', { hasText: 'No answers yet' }).waitFor()
  if (!/not answered/.test(await text(host.locator('#rsvp-mine')))) throw new Error('the host is not told they have not answered')
  await hostRSVP.locator('.empty', { hasText: 'Nobody has answered yet.' }).waitFor()
  step('room: "Are you going?" with no answers yet')

  // Grace answers Going on her phone, in the Meeting tab.
  await grace.goto(`${base}/s/${id}`)
  await grace.locator('#tab-meeting').click()
  const group = grace.locator('#sec-rsvp [role="group"]')
  await group.waitFor()
  if (await group.locator('button[aria-pressed]').count() !== 3) throw new Error('the answers are not three toggle buttons')
  if (await group.locator('button[aria-pressed="true"]').count() !== 0) throw new Error('an answer is pressed before answering')
  await grace.locator('#rsvp-going').click()
  await grace.locator('#rsvp-going[aria-pressed="true"]').waitFor()
  await grace.locator('#rsvp-counts', { hasText: '1 going' }).waitFor()
  if (await text(grace.locator('#rsvp-mine')) !== 'You said: Going.') throw new Error('Grace is not shown her answer')
  if (await grace.locator('#rsvp-people').count() !== 0) throw new Error('a member sees who answered what')
  // Changing it with the keyboard: Maybe, then back to Going.
  await grace.locator('#rsvp-maybe').focus()
  await grace.keyboard.press('Enter')
  await grace.locator('#rsvp-counts', { hasText: '1 maybe' }).waitFor()
  if (await grace.locator('#sec-rsvp button[aria-pressed="true"]').count() !== 1) throw new Error('more than one answer is pressed')
  await grace.locator('#rsvp-going').click()
  await grace.locator('#rsvp-counts', { hasText: '1 going' }).waitFor()
  await axe(grace, 'room with an answer (phone)')
  await noOverflow(grace, 'room at 375')
  await top(grace.locator('#sec-rsvp'))
  await shot(grace, 'rsvp-room-member')
  step('member answers Going in the room: pressed, "1 going", "You said: Going."; changed by keyboard; no list of others')

  // Katherine says going in the lobby, without opening the room.
  await kate.goto(base + '/')
  const row = kate.locator('#sessions-scheduled .session-row', { hasText: 'Garden call' })
  await row.locator('.rsvp-row-counts', { hasText: '1 going' }).waitFor()
  if (await row.locator('[role="group"][aria-label="Are you going to Garden call?"] button[aria-pressed="false"]').count() !== 3) throw new Error('the lobby row has no unpressed answers')
  await row.locator('button[data-answer="going"]').click()
  await row.locator('.rsvp-row-counts', { hasText: '2 going' }).waitFor()
  if (await row.locator('button[aria-pressed="true"]').innerText() !== 'Going') throw new Error('the lobby does not show Katherine her answer')
  const r = await call(kate, 'GET', `/api/sessions/${id}/rsvps`)
  if (r.going !== 2 || r.mine !== 'going' || r.people !== undefined) throw new Error('the answers read ' + JSON.stringify(r))
  await axe(kate, 'lobby with answers')
  await both(kate, 'rsvp-lobby', row)
  step('another member answers Going on the lobby\'s upcoming row: pressed, "2 going"')

  // She looks into the room before the meeting (her answer is pressed
  // there too) and leaves again: a visit, not coming.
  await kate.goto(`${base}/s/${id}`)
  await kate.locator('#rsvp-going[aria-pressed="true"]').waitFor()
  await kate.goto(base + '/')
  const kateSub = (await call(kate, 'GET', '/api/me')).subject
  for (const end = Date.now() + 15000; ;) {
    const m = await call(host, 'GET', `/api/sessions/${id}/meeting`)
    if (m.participants?.[kateSub]?.leftAt !== undefined) break
    if (Date.now() > end) throw new Error('her visit to the room is not recorded: ' + JSON.stringify(m.participants))
  }

  // The host sees the counts and who answered, by name.
  await host.reload()
  await host.locator('#rsvp-counts', { hasText: '2 going' }).waitFor()
  const people = host.locator('#rsvp-people')
  await people.waitFor()
  const rows = await people.locator('li').allInnerTexts()
  if (rows.length !== 2 || !rows.some(t => /Grace Hopper/.test(t) && /Going/.test(t)) || !rows.some(t => /Katherine Johnson/.test(t) && /Going/.test(t))) {
    throw new Error('the host sees who answered as ' + JSON.stringify(rows))
  }
  if (await people.locator(`li[data-subject]`, { hasText: 'Grace Hopper' }).count() !== 1) throw new Error('Grace is listed more than once')
  await axe(host, 'room, host with answers')
  await both(host, 'rsvp-room-host', host.locator('#sec-rsvp'))
  step('host sees "2 going" and Grace Hopper and Katherine Johnson, Going, by member name')

  // The meeting runs (Ada and Grace in the room) and ends.
  await host.locator('#start').click()
  await host.locator('#session-state[data-state="live"]').waitFor()
  if (await host.locator('#sec-rsvp').isHidden()) throw new Error('the answers close when the meeting starts')
  await host.locator('#end').click()
  await host.locator('#dialog-ok').click()
  for (const p of [host, grace]) {
    await p.locator('#ended-banner').waitFor()
    await p.locator('#sec-rsvp').waitFor({ state: 'hidden' })
  }
  const late = await call(grace, 'PUT', `/api/sessions/${id}/rsvp`, { answer: 'not_going' }).then(() => 'accepted', e => e.message)
  if (!/ 409 /.test(late)) throw new Error('an answer after the end was ' + late)
  step('the meeting ran and ended: the answers close in the room (server says 409)')

  // The reader, for the host: the answers against who came.
  await host.locator('#read-notes').click()
  await host.waitForURL(/\/read\//)
  const rec = host.locator('#rsvp-record')
  await rec.waitFor()
  const names = async (which) => await rec.locator(`#rsvp-${which} li`).allInnerTexts()
  const came = await names('came')
  const missed = await names('missed')
  const unannounced = await names('unannounced')
  if (came.join() !== 'Grace Hopper') throw new Error('said going and came: ' + JSON.stringify(came))
  if (missed.join() !== 'Katherine Johnson') throw new Error('said going, did not come: ' + JSON.stringify(missed))
  if (unannounced.join() !== 'Ada Lovelace') throw new Error('came without answering: ' + JSON.stringify(unannounced))
  for (const [which, title] of [['came', 'Said going and came (1)'], ['missed', 'Said going, did not come (1)'], ['unannounced', 'Came without answering (1)']]) {
    if (await text(rec.locator(`#rsvp-${which} h3`)) !== title) throw new Error(`the heading reads ${await text(rec.locator(`#rsvp-${which} h3`))}, not ${title}`)
  }
  if (!/2 going/.test(await text(rec.locator('#rsvp-record-counts')))) throw new Error('the record does not give the counts')
  const md = await host.evaluate(async (id) => (await fetch(`/notes/${id}?download=1`)).text(), id)
  for (const want of ['### Answers and attendance', '#### Said going and came (1)\n\n- Grace Hopper\n', '#### Said going, did not come (1)\n\n- Katherine Johnson\n', '#### Came without answering (1)\n\n- Ada Lovelace\n']) {
    if (!md.includes(want)) throw new Error(`the host's Markdown lacks ${JSON.stringify(want)}:\n${md}`)
  }
  // Her look into the room before the start is no attendance.
  if (await host.locator('#attendees li', { hasText: 'Katherine Johnson' }).count() !== 0 || md.includes('| Katherine Johnson |')) throw new Error('a visit before the start is listed among the attendees')
  if (await host.locator('#attendees li', { hasText: 'Grace Hopper' }).count() !== 1) throw new Error('Grace is not among the attendees')
  // It sits right under the attendees.
  if (await rec.evaluate(e => e.previousElementSibling?.querySelector('#attendees') !== null) !== true) throw new Error('the answers are not under the attendees')
  await axe(host, 'reader with answers and attendance')
  await both(host, 'rsvp-reader', rec)
  step('reader and Markdown (host): Grace said going and came, Katherine said going and did not come (her visit before the start is no attendance), Ada came without answering')

  await grace.goto(`${base}/read/${id}`)
  await grace.locator('#attendees').waitFor()
  if (await grace.locator('#rsvp-record').count() !== 0) throw new Error('a member sees who said what in the reader')
  const gmd = await grace.evaluate(async (id) => (await fetch(`/notes/${id}?download=1`)).text(), id)
  if (gmd.includes('Answers and attendance') || !gmd.includes('### Attendees')) throw new Error("a member's Markdown:\n" + gmd)
  step('reader and Markdown (member): no answers and attendance')

  if (P.errors.length > 0) throw new Error('page errors: ' + P.errors.join('; '))
  if (P.external.length > 0) throw new Error('requests left the server: ' + P.external.join(', '))
} finally {
  await browser.close()
}
