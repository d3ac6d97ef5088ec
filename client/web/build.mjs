// Bundles src/ into dist/ (app.js, app.css, favicon.svg, index.html), which the Go
// binary embeds (embed.go). Run by `make ui`.
import { build } from 'esbuild'
import { copyFile, mkdir } from 'node:fs/promises'

await mkdir('dist', { recursive: true })
await build({
  entryPoints: ['src/main.ts'],
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'iife',
  target: ['es2020'],
  outfile: 'dist/app.js',
  legalComments: 'none',
  logLevel: 'warning'
})
await copyFile('static/index.html', 'dist/index.html')
await copyFile('static/app.css', 'dist/app.css')
await copyFile('static/favicon.svg', 'dist/favicon.svg')
console.log('built client/web/dist')
