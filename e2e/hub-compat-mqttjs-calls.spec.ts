// MQTT.js's own behavioural tests of publish, subscribe, unsubscribe and received messages
// (test/node/abstract_client.ts, client_mqtt5.ts), rewritten against real brokers: each body
// runs against MQTT.js (the control) and against mqtt-hub/compat in the same page.
import { behaviour, expect } from './compat-control.ts'

behaviour('publish QoS 0: the callback runs with no error and no packet (abstract_client "should fire a callback (qos 0)")', async ({ page, lib, broker, protocolVersion, prefix }) => {
  const outcome = await page.evaluate(({ lib, url, protocolVersion, topic }) => new Promise<unknown>((resolve) => {
    const client = window.libraries[lib].connect(url, { protocolVersion })
    client.once('connect', () => client.publish(topic, 'b', (error, packet) => {
      client.end(() => resolve({ error: error ?? null, packet: packet ?? null }))
    }))
  }), { lib, url: broker.url, protocolVersion, topic: `${prefix}/a` })
  expect(outcome).toEqual({ error: null, packet: null })
})

for (const qos of [1, 2] as const) {
  // MQTT.js passes the packet its store held: the PUBLISH (QoS 1), the PUBREL that replaced it (QoS 2).
  behaviour(`publish QoS ${qos}: the callback gets the stored ${qos === 1 ? 'PUBLISH' : 'PUBREL'} packet with its messageId [MQTT-2.3.1-1] ("should fire a callback (qos ${qos})")`, async ({ page, lib, broker, protocolVersion, prefix }) => {
    const topic = `${prefix}/a`
    const outcome = await page.evaluate(({ lib, url, protocolVersion, topic, qos }) => new Promise<unknown>((resolve) => {
      const client = window.libraries[lib].connect(url, { protocolVersion })
      client.once('connect', () => client.publish(topic, 'b', { qos }, (error, packet) => {
        const { cmd, messageId, qos, topic, retain } = { ...packet } as { cmd?: string; messageId?: number; qos?: number; topic?: string; retain?: boolean }
        client.end(() => resolve({ error: error ?? null, cmd, idIsPositive: typeof messageId === 'number' && messageId > 0, qos, topic, retain }))
      }))
    }), { lib, url: broker.url, protocolVersion, topic, qos })
    const stored = qos === 1 ? { cmd: 'publish', topic, retain: false } : { cmd: 'pubrel', topic: undefined, retain: undefined }
    expect(outcome).toEqual({ error: null, idIsPositive: true, qos, ...stored })
  })
}

behaviour('unsubscribe: the callback gets the UNSUBACK packet ("should fire a callback on unsuback")', async ({ page, lib, broker, protocolVersion, prefix }) => {
  const outcome = await page.evaluate(({ lib, url, protocolVersion, topic }) => new Promise<unknown>((resolve) => {
    const client = window.libraries[lib].connect(url, { protocolVersion })
    client.once('connect', () => client.subscribe(topic, () => client.unsubscribe(topic, (error, packet) => {
      const { cmd, messageId } = packet ?? {}
      client.end(() => resolve({ error: error ?? null, cmd, idIsPositive: typeof messageId === 'number' && messageId > 0 }))
    })))
  }), { lib, url: broker.url, protocolVersion, topic: `${prefix}/t` })
  expect(outcome).toEqual({ error: null, cmd: 'unsuback', idIsPositive: true })
})

behaviour('subscribe: the callback gets (null, granted, SUBACK), granted is what the broker granted, with nl/rap/rh under MQTT 5 ("should fire a callback on suback")', async ({ page, lib, broker, protocolVersion, prefix }) => {
  const topic = `${prefix}/test`
  const outcome = await page.evaluate(({ lib, url, protocolVersion, topic }) => new Promise<unknown>((resolve) => {
    const client = window.libraries[lib].connect(url, { protocolVersion })
    client.once('connect', () => client.subscribe(topic, { qos: 2 }, (error, granted, suback) => {
      client.end(() => resolve({ error: error ?? null, granted, suback: suback && { cmd: suback.cmd, granted: suback.granted } }))
    }))
  }), { lib, url: broker.url, protocolVersion, topic })
  const grant = protocolVersion === 5 ? { topic, qos: 2, nl: false, rap: false, rh: 0 } : { topic, qos: 2 }
  expect(outcome).toEqual({ error: null, granted: [grant], suback: { cmd: 'suback', granted: [2] } })
})

behaviour('subscribe to a topic held at the same QoS: granted is [] ("should return an empty array for duplicate subs"); at a higher QoS it is subscribed again', async ({ page, lib, broker, protocolVersion, prefix }) => {
  const topic = `${prefix}/event`
  const outcome = await page.evaluate(({ lib, url, protocolVersion, topic }) => new Promise<unknown>((resolve) => {
    const client = window.libraries[lib].connect(url, { protocolVersion })
    client.subscribe(topic, (e1, first) => client.subscribe(topic, (e2, again) => client.subscribe(topic, { qos: 1 }, (e3, higher) => {
      client.end(() => resolve({ errors: [e1, e2, e3].map((e) => e?.message ?? null), first: first?.map((g) => g.qos), again, higher: higher?.map((g) => g.qos) }))
    })))
  }), { lib, url: broker.url, protocolVersion, topic })
  expect(outcome).toEqual({ errors: [null, null, null], first: [0], again: [], higher: [1] })
})

behaviour('invalid subscribe arguments call back with an error: [], #/event, event#, system/#/event, system/+/#/event, event+ ("topic validations when subscribing")', async ({ page, lib, broker, protocolVersion, prefix }) => {
  const outcome = await page.evaluate(({ lib, url, protocolVersion, prefix }) => {
    const client = window.libraries[lib].connect(url, { protocolVersion })
    const attempt = (topics: string | string[]) => new Promise<string>((resolve) => {
      try {
        client.subscribe(topics, (error) => resolve(error ? 'error' : 'ok'))
      } catch {
        resolve('thrown')
      }
    })
    const valid = ['+', '+/event', 'event/+', '#', 'event/#', 'system/+/event/#', 'system/+/+/new_device'].map((f) => `${prefix}/${f}`)
    return Promise.all([
      attempt([]), attempt('#/event'), attempt('event#'), attempt('system/#/event'), attempt('system/+/#/event'), attempt(['#/event', 'event#', 'event+']),
      attempt(valid),
    ]).then((results) => new Promise<string[]>((resolve) => client.end(() => resolve(results))))
  }, { lib, url: broker.url, protocolVersion, prefix })
  expect(outcome).toEqual(['error', 'error', 'error', 'error', 'error', 'error', 'ok'])
})

behaviour('received QoS 1 and 2 messages carry their messageId; QoS 0 has none [MQTT-2.3.1-1, MQTT-2.3.1-5] ("should follow qos 1/2 semantics")', async ({ page, lib, broker, protocolVersion, prefix }) => {
  const topic = `${prefix}/q`
  await page.evaluate(({ lib, url, protocolVersion, topic }) => new Promise<void>((resolve) => {
    const client = window.libraries[lib].connect(url, { protocolVersion })
    ;(window as unknown as { seen: unknown[] }).seen = []
    client.on('message', (_topic, payload, packet) => {
      ;(window as unknown as { seen: unknown[] }).seen.push({ text: payload.toString(), qos: packet.qos, id: typeof packet.messageId === 'number' && packet.messageId > 0 ? 'id' : packet.messageId ?? 'none' })
    })
    client.subscribe(topic, { qos: 2 }, () => resolve())
  }), { lib, url: broker.url, protocolVersion, topic })
  for (const qos of [0, 1, 2] as const) await broker.publish(topic, `m${qos}`, { qos })
  await expect.poll(() => page.evaluate(() => (window as unknown as { seen: unknown[] }).seen)).toEqual([
    { text: 'm0', qos: 0, id: 'none' }, { text: 'm1', qos: 1, id: 'id' }, { text: 'm2', qos: 2, id: 'id' },
  ])
})

behaviour('packetsend and packetreceive: a publish is told as sent, a SUBACK and a message as received ("should emit a packetsend/packetreceive event")', async ({ page, lib, broker, protocolVersion, prefix }) => {
  const topic = `${prefix}/p`
  const outcome = await page.evaluate(({ lib, url, protocolVersion, topic }) => new Promise<unknown>((resolve) => {
    const client = window.libraries[lib].connect(url, { protocolVersion })
    const sent: string[] = []
    const received: string[] = []
    client.on('packetsend', (packet) => {
      if (packet.cmd === 'publish') sent.push(`publish ${packet.topic} ${packet.payload.toString()} qos=${packet.qos} retain=${packet.retain}`)
      else if (packet.cmd === 'subscribe') sent.push('subscribe')
    })
    client.on('packetreceive', (packet) => {
      if (packet.cmd === 'publish') received.push(`publish ${packet.topic}`)
      else if (packet.cmd === 'suback' || packet.cmd === 'puback' || packet.cmd === 'connack') received.push(packet.cmd)
    })
    client.on('message', () => client.end(() => resolve({ sent, received })))
    client.subscribe(topic, { qos: 1 }, () => client.publish(topic, 'test_payload', { qos: 1 }))
  }), { lib, url: broker.url, protocolVersion, topic })
  expect(outcome).toEqual({
    sent: ['subscribe', `publish ${topic} test_payload qos=1 retain=false`],
    received: expect.arrayContaining(['connack', 'suback', 'puback', `publish ${topic}`]),
  })
})
