// Starts the reference Hocuspocus server (@hocuspocus/server) on
// 127.0.0.1:PORT with no extensions: no persistence, no auth (any token
// is accepted), documents unloaded when their last connection leaves.
//
//	node hocuspocus.mjs 8082
import { Server } from '@hocuspocus/server'

const port = Number(process.argv[2] || process.env.PORT || 1234)

const server = new Server({
  port,
  address: '127.0.0.1',
  quiet: true,
  stopOnSignals: true,
})
await server.listen()
console.log(`hocuspocus listening on 127.0.0.1:${port} pid ${process.pid}`)
