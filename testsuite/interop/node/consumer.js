'use strict';

// Drives a real ali-ons (3.12.0) push consumer against a fixed name server for
// the rocketmock interop tests (see ../consumer_interop_test.go).
//
//   node consumer.js --namesrv 127.0.0.1:9876 --group CG --topic T
//
// Options (as producer.js): --namesrv, --group (the consumer group), --topic,
// --heartbeat-ms, --instance, --client-ip, --max-seconds; --count is ignored.
// The consumer subscribes to every tag of the topic and starts from the first
// offset. stdout carries one JSON object per line:
//   {"event":"started","clientId":...,"group":...,"pid":...}
//   {"event":"received","body":...,"msgId":...,"topic":...,"queueId":...,"queueOffset":...,"reconsumeTimes":...}
//   {"event":"client_error","message":...}
//   {"event":"closed"}
//   {"event":"error","message":...}          (fatal; the process then exits 1)
// A line "close" on stdin (or EOF) closes the consumer, prints "closed" and exits 0.

const { Consumer } = require('ali-ons');
const { emit, fail, parseArgs, logger, noHttp, stdinCommand, state } = require('./common');

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const { namesrv, group, topic } = args;
  const maxSeconds = Number(args['max-seconds'] || 60);
  if (!namesrv || !group || !topic) {
    throw new Error('usage: node consumer.js --namesrv ip:port --group G --topic T');
  }
  setTimeout(() => fail(new Error(`consumer.js gave up after ${maxSeconds}s`)), maxSeconds * 1000).unref();

  const options = {
    httpclient: noHttp,
    nameSrv: namesrv,
    onsAddr: '',
    consumerGroup: group,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    logger,
  };
  if (args['heartbeat-ms']) options.heartbeatBrokerInterval = Number(args['heartbeat-ms']);
  if (args.instance) options.instanceName = args.instance;
  if (args['client-ip']) options.clientIP = args['client-ip'];

  const consumer = new Consumer(options);
  consumer.on('error', err => {
    emit({ event: 'client_error', message: err && err.message ? err.message : String(err) });
  });
  consumer.subscribe(topic, '*', async msg => {
    emit({
      event: 'received',
      body: msg.body.toString(),
      msgId: msg.msgId,
      topic: msg.topic,
      queueId: Number(msg.queueId),
      queueOffset: Number(msg.queueOffset),
      reconsumeTimes: msg.reconsumeTimes,
    });
  });
  await consumer.ready();
  emit({ event: 'started', clientId: consumer.clientId, group, pid: process.pid });

  await stdinCommand('close');
  await consumer.close();
  if (state.finished) return;
  state.finished = true;
  emit({ event: 'closed' });
  process.stdout.write('', () => process.exit(0));
}

process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
main().catch(fail);
