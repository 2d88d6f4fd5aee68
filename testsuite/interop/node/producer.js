'use strict';

// Drives a real ali-ons (3.12.0) producer against a fixed name server for the
// rocketmock interop tests (see ../clients_test.go and ../CLIENTS.md).
//
//   node producer.js --namesrv 127.0.0.1:9876 --group PG --topic T --count 3
//
// Every option can also come from the environment:
//   --namesrv      ROCKETMQ_NAMESRV       name server "ip:port" (required)
//   --group        ROCKETMQ_GROUP         producer group (required)
//   --topic        ROCKETMQ_TOPIC         topic (required)
//   --count        ROCKETMQ_COUNT         messages to send (default 1; 0 sends none)
//   --heartbeat-ms ALI_ONS_HEARTBEAT_MS   heartbeatBrokerInterval (ali-ons default 30000)
//   --instance     ALI_ONS_INSTANCE       instanceName (default: ali-ons uses the pid)
//   --client-ip    ALI_ONS_CLIENT_IP      clientIP (default: ali-ons uses address.ip())
//   --max-seconds  ALI_ONS_MAX_SECONDS    hard limit on the process lifetime (default 60)
//   --access-key   ALI_ONS_ACCESS_KEY     accessKey: with --secret-key, ali-ons signs every request
//   --secret-key   ALI_ONS_SECRET_KEY     secretKey (ACL; ali-ons also sends OnsChannel=ALIYUN)
//   --stay         ALI_ONS_STAY           "1": after "closed", keep the process (and any
//                                         connection ali-ons left open) until stdin says
//                                         "exit" or reaches EOF
//   ALI_ONS_VERBOSE=1 also logs the client's info/debug lines to stderr.
//
// stdout carries exactly one JSON object per line:
//   {"event":"started","clientId":"<ip>@<instance>","group":...,"pid":...}
//   {"event":"sent","index":i,"msgId":...,"queueId":...,"queueOffset":...,"sendStatus":...,"brokerName":...}
//   {"event":"client_error","message":...}   (background errors from the client; not fatal)
//   {"event":"closed"}
//   {"event":"error","message":...}          (fatal; the process then exits 1)
// After the last "sent" it waits for a line "close" on stdin (EOF counts as
// "close"), calls producer.close(), prints "closed" and exits 0 (with --stay 1,
// only once stdin says "exit" or reaches EOF).
// The client's own logging goes to stderr only.

const { Producer, Message } = require('ali-ons');
const { emit, fail, parseArgs, intOption, logger, noHttp, stdinCommand, state } = require('./common');

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const env = process.env;
  const namesrv = args.namesrv || env.ROCKETMQ_NAMESRV;
  const group = args.group || env.ROCKETMQ_GROUP;
  const topic = args.topic || env.ROCKETMQ_TOPIC;
  const count = intOption(args.count || env.ROCKETMQ_COUNT, 1, 'count');
  const heartbeatMs = intOption(args['heartbeat-ms'] || env.ALI_ONS_HEARTBEAT_MS, 30000, 'heartbeat-ms');
  const maxSeconds = intOption(args['max-seconds'] || env.ALI_ONS_MAX_SECONDS, 60, 'max-seconds');
  const instance = args.instance || env.ALI_ONS_INSTANCE;
  const clientIP = args['client-ip'] || env.ALI_ONS_CLIENT_IP;
  const stay = (args.stay || env.ALI_ONS_STAY) === '1';
  const accessKey = args['access-key'] || env.ALI_ONS_ACCESS_KEY;
  const secretKey = args['secret-key'] || env.ALI_ONS_SECRET_KEY;
  if (!namesrv || !group || !topic) {
    throw new Error('usage: node producer.js --namesrv ip:port --group G --topic T [--count N]');
  }
  if (/^https?:/i.test(namesrv)) {
    throw new Error(`namesrv must be a plain ip:port, got ${namesrv}`);
  }

  // Hard limit: never outlive the test that started us.
  setTimeout(() => fail(new Error(`producer.js gave up after ${maxSeconds}s`)), maxSeconds * 1000).unref();

  const options = {
    httpclient: noHttp,
    nameSrv: namesrv, // a fixed address: no onsAddr HTTP lookup
    onsAddr: '', // never used once nameSrv is set; emptied so nothing can reach it
    producerGroup: group,
    heartbeatBrokerInterval: heartbeatMs,
    logger,
  };
  if (instance) options.instanceName = instance;
  if (clientIP) options.clientIP = clientIP;
  if (accessKey) options.accessKey = accessKey;
  if (secretKey) options.secretKey = secretKey;

  const producer = new Producer(options);
  producer.on('error', err => {
    emit({ event: 'client_error', message: err && err.message ? err.message : String(err) });
  });
  await producer.ready();
  emit({ event: 'started', clientId: producer.clientId, group: producer.producerGroup, pid: process.pid });

  for (let i = 0; i < count; i++) {
    const msg = new Message(topic, 'interop', `hello from ali-ons #${i}`);
    const r = await producer.send(msg);
    emit({
      event: 'sent',
      index: i,
      msgId: r.msgId,
      queueId: r.messageQueue ? Number(r.messageQueue.queueId) : undefined,
      queueOffset: r.queueOffset,
      sendStatus: r.sendStatus,
      brokerName: r.messageQueue ? r.messageQueue.brokerName : undefined,
    });
  }

  await stdinCommand('close');
  await producer.close();
  if (state.finished) return;
  emit({ event: 'closed' });
  if (stay) await stdinCommand('exit');
  state.finished = true;
  // ali-ons keeps a static CLIENT_INNER_PRODUCER (and its timers) alive
  // forever, so the process has to exit explicitly.
  process.stdout.write('', () => process.exit(0));
}

process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
main().catch(fail);
