// Waiting helpers shared by the stock-client scripts (interop/interop.mjs,
// hocuspocus/hocus.mjs).

// waitFor resolves once cond() holds (checked every 5 ms) and rejects
// after ms milliseconds, naming what it waited for.
export const waitFor = (cond, what, ms = 20000) => new Promise((resolve, reject) => {
  const start = Date.now()
  const tick = setInterval(() => {
    if (cond()) {
      clearInterval(tick)
      resolve()
    } else if (Date.now() - start > ms) {
      clearInterval(tick)
      reject(new Error('timeout waiting for ' + what))
    }
  }, 5)
})

export const sleep = (ms) => new Promise(resolve => setTimeout(resolve, ms))
