// The workspace with --auth-secret: pages opened with ?token= carry the
// token to the API and the sockets. Run by e2e_test.go (TestE2ETokens):
//
//   node e2e/tokens.mjs BASE_URL ARTIFACTS_DIR TOKEN_ALICE TOKEN_BOB
import { chromium } from 'playwright-core'

const [base, artifacts, alice, bob] = process.argv.slice(2)
const T = 15000
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-dev-shm-usage']
})
const newPage = async () => {
  const page = await (await browser.newContext()).newPage()
  page.setDefaultTimeout(T)
  return page
}
try {
  // Without a token the API refuses, and the page says so.
  const anon = await newPage()
  await anon.goto(base + '/')
  await anon.locator('.error', { hasText: 'token' }).first().waitFor()
  console.log('ok without a token the page shows the refusal')

  const a = await newPage()
  await a.goto(`${base}/?token=${alice}`)
  await a.getByLabel('Title').fill('Token session')
  await a.getByRole('button', { name: 'Create session' }).click()
  await a.waitForURL(/\/s\/[^/?]+\?token=/)
  const id = a.url().split('/s/')[1].split('?')[0]
  const b = await newPage()
  await b.goto(`${base}/s/${id}?token=${bob}`)
  for (const p of [a, b]) await p.waitForFunction(() => document.querySelector('.status')?.dataset.synced === 'yes')
  await b.locator('.ProseMirror').click()
  await b.keyboard.press('Control+End')
  await b.keyboard.type('Bob was here with a token.')
  await a.waitForFunction(() => document.querySelector('.ProseMirror')?.innerText.includes('Bob was here'))
  if (!(await a.locator('.room-head').innerText()).includes('(host)')) throw new Error('alice is not the host')
  if (!(await b.locator('.room-head').innerText()).includes('(member)')) throw new Error('bob is not a member')
  await a.screenshot({ path: `${artifacts}/room-token.png`, fullPage: true })
  console.log('ok with tokens: the host creates, a member joins, both sync')
  await browser.close()
  process.exit(0)
} catch (err) {
  console.error('FAILED:', err)
  await browser.close().catch(() => {})
  process.exit(1)
}
