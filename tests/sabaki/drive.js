// Drives a GTP engine the way Sabaki does, through @sabaki/gtp (the library Sabaki uses):
// attach (name, version, protocol_version, list_commands), sync a game, change the last
// move (the tracker answers with `undo` + `play`), genmove, then stop (sends `quit`).
// Prints one JSON object: every command sent with its response, and the exit code.
// Usage: node drive.js ENGINE [ARGS...]
const {Controller, ControllerStateTracker} = require('@sabaki/gtp')

async function main() {
  const [path, ...args] = process.argv.slice(2)
  const controller = new Controller(path, args)
  const tracker = new ControllerStateTracker(controller)
  const log = []
  const stderr = []
  controller.on('command-sent', async ({command, getResponse}) => {
    const entry = {command: command.name, args: command.args || []}
    log.push(entry)
    try {
      const res = await getResponse()
      entry.error = res.error
      entry.content = res.content
    } catch (err) {
      entry.error = true
      entry.content = `no response: ${err.message}`
    }
  })
  controller.on('stderr', ({content}) => stderr.push(content))
  let exitCode = null
  controller.start()
  controller.process.on('exit', code => (exitCode = code))

  for (const name of ['name', 'version', 'protocol_version', 'list_commands']) {
    await controller.sendCommand({name})
  }
  const moves = [['B', 'E5'], ['W', 'C3'], ['B', 'G7'], ['W', 'G3']]
  const play = ([c, v]) => ({name: 'play', args: [c, v]})
  await tracker.sync({komi: 6.5, boardsize: [9, 9], history: moves.map(play)})
  // the user takes back W G3 and plays C7 instead: Sabaki's tracker undoes one move
  const changed = [...moves.slice(0, 3), ['W', 'C7']]
  await tracker.sync({komi: 6.5, boardsize: [9, 9], history: changed.map(play)})
  await tracker.queueCommand({name: 'genmove', args: ['B']})
  await tracker.queueCommand({name: 'showboard'})
  await tracker.queueCommand({name: 'printsgf'})
  await controller.stop()
  for (let i = 0; i < 50 && exitCode === null; i++) {
    await new Promise(r => setTimeout(r, 100))
  }
  console.log(JSON.stringify({log, exitCode, history: tracker.state.history}))
}

main().catch(err => {
  console.error(err)
  process.exit(1)
})
