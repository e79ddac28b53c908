// Sabaki's analysis mode through @sabaki/gtp: start `lz-analyze`, read info lines as they
// stream, interrupt the analysis by sending the next command (as Sabaki does), then
// `lz-genmove_analyze`. Prints one JSON object. Usage: node analyze.js ENGINE [ARGS...]
const {Controller} = require('@sabaki/gtp')

const sleep = ms => new Promise(r => setTimeout(r, ms))

async function main() {
  const [path, ...args] = process.argv.slice(2)
  const controller = new Controller(path, args)
  controller.start()
  const stderr = []
  controller.on('stderr', ({content}) => stderr.push(content))
  await controller.sendCommand({name: 'boardsize', args: ['19']})
  await controller.sendCommand({name: 'clear_board'})
  await controller.sendCommand({name: 'play', args: ['B', 'Q16']})

  const info = []
  let enough
  const gotEnough = new Promise(r => (enough = r))
  const analysis = controller.sendCommand({name: 'lz-analyze', args: ['W', '10']},
    ({line}) => {
      if (line.startsWith('info')) info.push(line)
      if (info.length >= 3) enough()
    })
  await Promise.race([gotEnough, sleep(120000)])
  const interrupt = controller.sendCommand({name: 'name'})
  const analysisResponse = await analysis
  const nameResponse = await interrupt

  const genInfo = []
  const gen = await controller.sendCommand({name: 'lz-genmove_analyze', args: ['W', '10']},
    ({line}) => { if (line.startsWith('info')) genInfo.push(line) })
  const board = await controller.sendCommand({name: 'showboard'})
  await controller.stop()
  console.log(JSON.stringify({
    info, analysis: analysisResponse, name: nameResponse, genInfo, genmove: gen, board,
    stderr: stderr.slice(-20)
  }))
}

main().catch(err => {
  console.error(err)
  process.exit(1)
})
