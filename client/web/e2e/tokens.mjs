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
  // Deny by default: alice invites bob into the session.
  const code = await a.evaluate(async ([id, tok]) => {
    const r = await fetch(`/api/sessions/${id}/invites?token=${tok}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })
    return (await r.json()).code
  }, [id, alice])
  const b = await P.open()
  await b.goto(`${base}/?token=${bob}`)
  const accepted = await b.evaluate(async ([code, tok]) => (await fetch(`/api/invites/${code}/accept?token=${tok}`, { method: 'POST' })).status, [code, bob])
  if (accepted !== 200) throw new Error('bob accepting the invite: ' + accepted)
  await b.goto(`${base}/s/${id}?token=${bob}`)
  for (const p of [a, b]) await p.waitForFunction(() => document.querySelector('#status')?.dataset.synced === 'yes')
  await b.locator('.ProseMirror').click()
  await b.keyboard.press('Control+End')
  await b.keyboard.type('Bob was here with a token.')
  await a.waitForFunction(() => document.querySelector('.ProseMirror')?.innerText.includes('Bob was here'))
  if (!(await a.locator('#my-role').innerText()).includes('Host')) throw new Error('alice is not the host')
  if (!(await b.locator('#my-role').innerText()).includes('Member')) throw new Error('bob is not a member')
  await shooter(artifacts)(a, 'room-token')
  console.log('ok with tokens: the host creates, a member joins, both sync')
  await browser.close()
  process.exit(0)
} catch (err) {
  console.error('FAILED:', err)
  await browser.close().catch(() => {})
  process.exit(1)
}
