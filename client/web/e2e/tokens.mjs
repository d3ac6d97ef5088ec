// The workspace with --auth-secret: pages opened with ?token= carry the
// token to the API and the sockets. Run by e2e_test.go (TestE2ETokens):
//
//   node e2e/tokens.mjs BASE_URL ARTIFACTS_DIR TOKEN_ALICE TOKEN_BOB
import { launch, pages, shot as shooter } from './lib.mjs'

const [base, artifacts, alice, bob] = process.argv.slice(2)
const browser = await launch()
const P = pages(browser, base)
try {
  // Without a token the API refuses, and the page says so in words.
  const anon = await P.open()
  await anon.goto(base + '/')
  await anon.locator('.error', { hasText: 'not signed in' }).first().waitFor()
  console.log('ok without a token the page shows the refusal')

  const a = await P.open()
  await a.goto(`${base}/?token=${alice}`)
  await a.getByLabel('Title').fill('Token session')
  await a.locator('#create').click()
  await a.waitForURL(/\/s\/[^/?]+\?token=/)
  const id = a.url().split('/s/')[1].split('?')[0]
  // Bob is let in by an invite alice makes; he accepts it with his token.
  const inv = await a.evaluate(async ([id, t]) => (await fetch(`/api/sessions/${id}/invites`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + t }, body: '{}'
  })).json(), [id, alice])
  const b = await P.open()
  await b.goto(`${base}${inv.path}?token=${bob}`)
  await b.locator('#accept').click()
  await b.waitForURL(/\/s\/[^/?]+\?token=/)
  for (const p of [a, b]) await p.waitForFunction(() => document.querySelector('#status')?.dataset.synced === 'yes')
  await b.locator('.ProseMirror').click()
  await b.keyboard.press('Control+End')
  await b.keyboard.type('Bob was here with a token.')
  await a.waitForFunction(() => document.querySelector('.ProseMirror')?.innerText.includes('Bob was here'))
  if (!(await a.locator('#my-role').innerText()).includes('Host')) throw new Error('alice is not the host')
  if (!(await b.locator('#my-role').innerText()).includes('Member')) throw new Error('bob is not a member')
  await shooter(artifacts)(a, 'room-token')
  console.log('ok with tokens: the host creates, a member joins by invite, both sync')
  await browser.close()
  process.exit(0)
} catch (err) {
  console.error('FAILED:', err)
  await browser.close().catch(() => {})
  process.exit(1)
}
