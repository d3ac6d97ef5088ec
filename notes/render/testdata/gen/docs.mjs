// The TipTap documents of the golden fixtures, as ProseMirror JSON.
// Together they use every node and mark of the schema (StarterKit,
// task lists, image), nesting, hostile content and unicode.

const t = (text, ...marks) => ({
  type: 'text',
  text,
  ...(marks.length ? { marks: marks.map((m) => (typeof m === 'string' ? { type: m } : m)) } : {})
})
const p = (...content) => ({ type: 'paragraph', ...(content.length ? { content } : {}) })
const h = (level, ...content) => ({ type: 'heading', attrs: { level }, content })
const li = (...content) => ({ type: 'listItem', content })
const ul = (...items) => ({ type: 'bulletList', content: items })
const ol = (start, ...items) => ({ type: 'orderedList', attrs: { start }, content: items })
const task = (checked, ...content) => ({ type: 'taskItem', attrs: { checked }, content })
const tasks = (...items) => ({ type: 'taskList', content: items })
const quote = (...content) => ({ type: 'blockquote', content })
const code = (language, text) => ({
  type: 'codeBlock',
  attrs: { language },
  ...(text ? { content: [t(text)] } : {})
})
const hr = () => ({ type: 'horizontalRule' })
const br = () => ({ type: 'hardBreak' })
const img = (attrs) => ({ type: 'image', attrs })
const link = (href) => ({ type: 'link', attrs: { href } })
const doc = (...content) => ({ type: 'doc', content })

export const docs = {
  'paragraphs': doc(
    p(t('Hello world.')),
    p(t('A second paragraph with some more words in it.')),
    p()
  ),
  'headings': doc(
    h(1, t('Title')),
    h(2, t('Section')),
    h(3, t('Sub section')),
    h(4, t('Level four')),
    h(5, t('Level five')),
    h(6, t('Level six')),
    p(t('Body text.'))
  ),
  'marks': doc(
    p(
      t('plain '),
      t('bold', 'bold'),
      t(' '),
      t('italic', 'italic'),
      t(' '),
      t('strike', 'strike'),
      t(' '),
      t('code', 'code'),
      t(' '),
      t('underline', 'underline'),
      t(' and '),
      t('a link', link('https://example.com/a?b=1&c=2')),
      t('.')
    )
  ),
  'nested-marks': doc(
    p(
      t('bold '),
      t('bold italic', 'bold', 'italic'),
      t(' bold', 'bold'),
      t(' '),
      t('link bold', link('https://example.org'), 'bold'),
      t('link only', link('https://example.org')),
      t(' '),
      t('all', 'bold', 'italic', 'strike', 'underline'),
      t(' '),
      t('snake_case*stars*', 'italic'),
      t('x'),
      t('mid', 'bold'),
      t('word')
    ),
    p(t('line one'), br(), t('line two', 'italic'), br(), t('line three'))
  ),
  'bullet-list': doc(
    ul(
      li(p(t('one'))),
      li(p(t('two'), t(' bold', 'bold'))),
      li(p(t('three')), ul(li(p(t('three.a'))), li(p(t('three.b')), ul(li(p(t('deep')))))))
    ),
    p(t('after the list'))
  ),
  'ordered-list': doc(
    ol(1, li(p(t('first'))), li(p(t('second')))),
    ol(7, li(p(t('seventh'))), li(p(t('eighth')), ol(1, li(p(t('nested one')))))),
    ul(li(p(t('bullet after ordered'))))
  ),
  'task-list': doc(
    h(2, t('Action items')),
    tasks(
      task(false, p(t('Write the '), t('minutes', 'bold'))),
      task(true, p(t('Book the room'))),
      task(false, p(t('Plan next steps')), tasks(task(false, p(t('Nested open task'))), task(true, p(t('Nested done task')))))
    ),
    tasks(task(false, p(t('Second list, right after'))))
  ),
  'blockquote': doc(
    quote(p(t('Quoted '), t('text', 'italic')), p(t('second quoted paragraph'))),
    quote(quote(p(t('nested quote'))), ul(li(p(t('list in quote')))))
  ),
  'code-blocks': doc(
    code('js', 'const a = 1;\nif (a < 2 && b > 3) {\n  console.log("<hi>");\n}'),
    code(null, 'no language\n```\nfence inside'),
    code('go', ''),
    p(t('inline '), t('a `tick` b', 'code'), t(' and '), t('``double``', 'code'))
  ),
  'rule-and-break': doc(
    p(t('above')),
    hr(),
    p(t('below'), br(), br(), t('after two breaks')),
    hr(),
    h(2, t('heading'), br(), t('with break'))
  ),
  'images': doc(
    img({ src: 'https://example.com/cat.png', alt: 'A cat', title: 'Cat "photo"' }),
    p(t('between')),
    img({ src: '/files/local.png', alt: 'local' }),
    img({ src: 'https://example.com/dim.png', alt: null, title: null, width: 120, height: 80 })
  ),
  'hostile': doc(
    p(t('<script>alert(1)</script>')),
    p(t('<style>body{display:none}</style><img src=x onerror=alert(1)>')),
    p(t('click me', link('javascript:alert(document.cookie)'))),
    p(t('tabbed', link('java\tscript:alert(1)'))),
    p(t('data', link('data:text/html,<script>alert(1)</script>'))),
    p(t('quote break', link('https://example.com/" onmouseover="alert(1)'))),
    p(t('entity', link('javascript&#58;alert(1)'))),
    img({ src: 'javascript:alert(1)', alt: '" onerror="alert(1)', title: "'><script>alert(2)</script>" }),
    img({ src: 'x" onerror="alert(1)', alt: 'quoted' }),
    code('js" onmouseover="alert(1)', '</code></pre><script>alert(3)</script>'),
    h(1, t('# not a heading & &amp; &lt;')),
    p(t('* not a list')),
    p(t('1. not ordered')),
    p(t('> not a quote')),
    p(t('---')),
    p(t('[not](a link) ![nor](an image) <http://auto.link> `not code` **not bold** _nor italic_ ~~nor strike~~ | pipe')),
    p(t('back\\slash \\* escaped'))
  ),
  'unicode': doc(
    h(1, t('Ünïcödé — emoji 🎉👩‍👩‍👧‍👦')),
    p(t('日本語のテキスト'), t(' 한국어', 'bold'), t(' العربية', 'italic')),
    p(t('Combining: e\u0301 and zero\u200bwidth, non\u00a0breaking')),
    ul(li(p(t('🍕 pizza'))), li(p(t('🚀 rocket', 'bold'))))
  ),
  'mixed': doc(
    h(1, t('Weekly sync')),
    p(t('Attendees: '), t('Alice', 'bold'), t(', '), t('Bob', 'bold')),
    h(2, t('Agenda')),
    ol(1, li(p(t('Review'))), li(p(t('Planning'), br(), t('continued')))),
    quote(p(t('Decision: ship it'))),
    tasks(task(false, p(t('Alice: write the '), t('release notes', link('https://example.com/notes')))), task(true, p(t('Bob: tag v1')))),
    code('sh', 'make test'),
    hr(),
    p(t('Done.', 'italic'))
  ),
  'list-complex': doc(
    ul(
      li(p(t('item with two paragraphs')), p(t('second paragraph'))),
      li(p(t('item with code')), code('py', 'print(1)')),
      li(p(t('then a quote')), quote(p(t('quote in item'))))
    ),
    ol(10, li(p(t('ten'))), li(p(t('eleven'))))
  ),
  'empty': doc(p())
}
