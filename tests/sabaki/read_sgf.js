// Reads an SGF the way Sabaki does (@sabaki/sgf) and prints, for each node of the main
// line, its move and the properties Sabaki shows for a review (SBKV, C), as one JSON list.
// Usage: node read_sgf.js FILE.sgf
const sgf = require('@sabaki/sgf')

const [root] = sgf.parseFile(process.argv[2])
const nodes = []
for (let node = root; node != null; node = node.children[0]) {
  const d = node.data
  nodes.push({
    move: (d.B || d.W || [null])[0],
    color: d.B ? 'B' : d.W ? 'W' : null,
    SBKV: d.SBKV ? d.SBKV[0] : null,
    C: d.C ? d.C[0] : null
  })
}
console.log(JSON.stringify(nodes))
