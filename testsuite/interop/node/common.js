'use strict';

// What producer.js and consumer.js share: one JSON object per stdout line,
// a failure path that exits 1, argument parsing, ali-ons's logger, the
// disabled HTTP name-server lookup, and stdin commands from the Go test.

const readline = require('readline');

// state.finished is set once the script has said "closed" or "error".
const state = { finished: false };

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function fail(err) {
  if (state.finished) return;
  state.finished = true;
  const message = err && err.stack ? String(err.stack) : String(err);
  emit({ event: 'error', message, code: err && err.code !== undefined ? err.code : undefined });
  // Flush stdout before exiting.
  process.stdout.write('', () => process.exit(1));
  setTimeout(() => process.exit(1), 1000).unref();
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    if (eq > 0) {
      out[a.slice(2, eq)] = a.slice(eq + 1);
    } else {
      if (i + 1 >= argv.length) throw new Error(`missing value for ${a}`);
      out[a.slice(2)] = argv[++i];
    }
  }
  return out;
}

function intOption(v, def, name) {
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`bad ${name}: ${v}`);
  return n;
}

const verbose = process.env.ALI_ONS_VERBOSE === '1';
const fmt = require('util').format;
const logger = {
  info(...args) { if (verbose) process.stderr.write('[ali-ons info] ' + fmt(...args) + '\n'); },
  debug(...args) { if (verbose) process.stderr.write('[ali-ons debug] ' + fmt(...args) + '\n'); },
  warn(...args) { process.stderr.write('[ali-ons warn] ' + fmt(...args) + '\n'); },
  error(...args) { process.stderr.write('[ali-ons error] ' + fmt(...args) + '\n'); },
};

// ali-ons asserts that an httpclient is given, but only calls it to fetch the
// name server list from options.onsAddr when options.nameSrv is NOT set
// (lib/remoting_client.js updateNameServerAddressList). We always set nameSrv,
// so this stub must never run; if it does, that is a bug worth failing on.
const noHttp = {
  request(url) {
    const err = new Error(`HTTP name server lookup is disabled (ali-ons tried ${url})`);
    fail(err);
    return Promise.reject(err);
  },
};

// stdinCommand resolves when stdin has a line equal to word, or at EOF (our
// parent went away).
const stdinLines = [];
const stdinWaiters = [];
let stdinEOF = false;
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', line => {
  stdinLines.push(line.trim());
  wakeStdin();
});
rl.on('close', () => {
  stdinEOF = true;
  wakeStdin();
});
function wakeStdin() {
  for (const w of stdinWaiters.splice(0)) w();
}
function stdinCommand(word) {
  return new Promise(resolve => {
    const check = () => {
      while (stdinLines.length) {
        if (stdinLines.shift() === word) return resolve();
      }
      if (stdinEOF) return resolve();
      stdinWaiters.push(check);
    };
    check();
  });
}


module.exports = { emit, fail, parseArgs, intOption, logger, noHttp, stdinCommand, state };
