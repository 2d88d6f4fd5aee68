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

const readline = require('readline');
const { Consumer } = require('ali-ons');

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

let finished = false;
function fail(err) {
  if (finished) return;
  finished = true;
  const message = err && err.stack ? String(err.stack) : String(err);
  emit({ event: 'error', message });
  process.stdout.write('', () => process.exit(1));
  setTimeout(() => process.exit(1), 1000).unref();
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    if (i + 1 >= argv.length) throw new Error(`missing value for ${a}`);
    out[a.slice(2)] = argv[++i];
  }
  return out;
}

const verbose = process.env.ALI_ONS_VERBOSE === '1';
const fmt = require('util').format;
const logger = {
  info(...args) { if (verbose) process.stderr.write('[ali-ons info] ' + fmt(...args) + '\n'); },
  debug(...args) { if (verbose) process.stderr.write('[ali-ons debug] ' + fmt(...args) + '\n'); },
  warn(...args) { process.stderr.write('[ali-ons warn] ' + fmt(...args) + '\n'); },
  error(...args) { process.stderr.write('[ali-ons error] ' + fmt(...args) + '\n'); },
};

// See producer.js: with nameSrv set, ali-ons never uses the httpclient.
const noHttp = {
  request(url) {
    const err = new Error(`HTTP name server lookup is disabled (ali-ons tried ${url})`);
    fail(err);
    return Promise.reject(err);
  },
};

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

  await stdinClose();
  await consumer.close();
  if (finished) return;
  finished = true;
  emit({ event: 'closed' });
  process.stdout.write('', () => process.exit(0));
}

function stdinClose() {
  return new Promise(resolve => {
    const rl = readline.createInterface({ input: process.stdin });
    rl.on('line', line => { if (line.trim() === 'close') resolve(); });
    rl.on('close', resolve);
  });
}

process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
main().catch(fail);
