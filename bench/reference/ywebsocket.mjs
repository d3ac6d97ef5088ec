// Starts the reference y-websocket server (@y/websocket-server, the one
// stock y-websocket providers are written against) on 127.0.0.1:PORT, in
// memory only (no YPERSISTENCE). The document name is the URL path.
//
//	node ywebsocket.mjs 8081
import http from 'node:http'
import { WebSocketServer } from 'ws'
import { setupWSConnection } from '@y/websocket-server/utils'

const port = Number(process.argv[2] || process.env.PORT || 1234)
delete process.env.YPERSISTENCE

const wss = new WebSocketServer({ noServer: true })
wss.on('connection', setupWSConnection)

const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' })
  res.end('okay')
})
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, ws => wss.emit('connection', ws, req))
})
server.listen(port, '127.0.0.1', () => {
  console.log(`y-websocket-server listening on 127.0.0.1:${port} pid ${process.pid}`)
})
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0))
