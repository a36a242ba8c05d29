// One node of a two-node aedes cluster for the tests: aedes over WebSocket whose sessions,
// subscriptions, queued messages and retained messages live in Redis (aedes-persistence-redis)
// and whose messages reach the other node through Redis pub/sub (mqemitter-redis).
// Run as `node e2e/cluster-node.mjs` with REDIS_PORT and WS_PORT set; it prints "listening".
import { Aedes } from 'aedes'
import redisPersistence from 'aedes-persistence-redis'
import redisEmitter from 'mqemitter-redis'
import { listenWebSocket } from '../demo/broker.mjs'

const host = '127.0.0.1'
// disableClientInfo: ioredis 5.8.2 to 5.x sends its CLIENT SETINFO handshake, then its ready check
// (INFO), after commands it had queued, so mqemitter-redis's SUBSCRIBE can come first; the INFO then
// fails ("Connection in subscriber mode"), and the emitter's unhandled 'error' ends the node
// (redis/ioredis#2037; 1 run in 6 to 12 of the cluster tests here, beside the other broker tests).
const redis = { host, port: Number(process.env.REDIS_PORT), family: 4, disableClientInfo: true }
const broker = await Aedes.createBroker({
  id: process.env.NODE_ID,
  persistence: redisPersistence(redis),
  mq: redisEmitter(redis),
})
await listenWebSocket(broker, Number(process.env.WS_PORT), host)
process.stdout.write('listening\n')
