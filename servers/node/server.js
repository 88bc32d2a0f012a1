'use strict';
// server.js is loopbench's node model: the shared application served by
// Node's own http module on the real libuv, the reference the homemade event
// loop is compared with. It uses only Node's standard library.
//
// Every route answers with the bytes app/render.go writes. Each deferred
// operation waits the way a Node developer would write it: /sleep with
// setTimeout, /upstream over kept-alive net sockets, /file with fs.readFile
// (libuv's thread pool), /cpu with crypto.pbkdf2Sync on the loop or, with
// --cpu-offload, crypto.pbkdf2 on the thread pool, /fifo with fs.write to
// the backend's FIFO (a pool thread blocked in write(2) until the backend
// drains it). UV_THREADPOOL_SIZE sizes that pool; it must be in the
// environment before node starts.
//
// Flags: --addr HOST:PORT, --data-dir DIR, --backend HOST:PORT, --pool N
// (informational; the pool size comes from UV_THREADPOOL_SIZE),
// --cpu-offload, --stats-file PATH, --workers N (a cluster of N worker
// processes, see runPrimary). On SIGTERM or SIGINT the server writes the
// event loop's lag to the stats file (over its whole life, and each
// reading with its time), stops accepting, closes idle connections, gives
// requests in flight a short grace period and exits 0.

const cluster = require('cluster');
const http = require('http');
const net = require('net');
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { monitorEventLoopDelay, performance } = require('perf_hooks');

// The limits and fixed inputs of app/ops.go and app/request.go.
const MAX_MILLIS = 60000;
const MIN_ITER = 1;
const MAX_ITER = 10000000;
const MAX_HEADER_BYTES = 8 << 10;
const MAX_BODY_BYTES = 64 << 10;
const CPU_PASSWORD = 'loopbench';
const CPU_SALT = 'loopbench-salt';
const CPU_KEY_LEN = 32;
const MAX_UPSTREAM_LINE = 64;
// FIFO_SLOTS and FIFO_BLOCK are app.FIFOSlots and app.FIFOBlock, the FIFO
// protocol of /fifo (app/fifo.go); FIFO_HEADER is the longest header.
const FIFO_SLOTS = 512;
const FIFO_BLOCK = 16 << 10;
const FIFO_HEADER = 8;
// UPSTREAM_SLACK_MS is how long past its delay an upstream call may take
// (servers/internal/upstream.Slack).
const UPSTREAM_SLACK_MS = 5000;
// MAX_IDLE_UPSTREAM bounds the idle backend sockets kept for reuse: the same
// bound as the Go models (upstream.MaxIdle), above any useful concurrency.
const MAX_IDLE_UPSTREAM = 65536;
// LAG_RESOLUTION_MS is how often monitorEventLoopDelay's timer fires. Its
// histogram holds the time between firings, so the resolution is subtracted
// to report how late the timer was.
const LAG_RESOLUTION_MS = 10;
// LAG_KEEP is how many lag readings the server keeps (model.MaxLagReadings):
// past it the oldest, start-up's, are overwritten and counted as dropped.
const LAG_KEEP = 50000;
// HEAD_TIMEOUT_MS bounds how long a request head (and body) may take to
// arrive, IDLE_TIMEOUT_MS how long a connection may wait on its client; the
// defaults of model.Config, which the Go side passes as flags.
const HEAD_TIMEOUT_MS = 10 * 1000;
const IDLE_TIMEOUT_MS = 120 * 1000;
// STOP_GRACE_MS is how long requests in flight may finish after a stop signal
// before their connections are closed.
const STOP_GRACE_MS = 2000;
const STOP_IDLE_MS = 20;
// WORKER_KILL_MS is how long a cluster's primary waits, after passing a
// stop signal on to its workers, before it kills those still running.
const WORKER_KILL_MS = STOP_GRACE_MS + 3000;

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';
const BINARY = 'application/octet-stream';
const PLAINTEXT = Buffer.from('Hello, World!');
const JSON_BODY = Buffer.from('{"message":"Hello, World!"}');

function parseArgs(argv) {
  const cfg = { addr: '127.0.0.1:8080', dataDir: '', backend: '', pool: 0, cpuOffload: false, statsFile: '',
    headTimeoutMs: HEAD_TIMEOUT_MS, idleTimeoutMs: IDLE_TIMEOUT_MS, workers: 0 };
  const names = { '--addr': 'addr', '--data-dir': 'dataDir', '--backend': 'backend', '--pool': 'pool', '--stats-file': 'statsFile',
    '--head-timeout-ms': 'headTimeoutMs', '--idle-timeout-ms': 'idleTimeoutMs', '--workers': 'workers' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--cpu-offload') {
      cfg.cpuOffload = true;
    } else if (names[a] !== undefined && i + 1 < argv.length) {
      cfg[names[a]] = argv[++i];
    } else if (a.startsWith('--')) {
      throw new Error(`unknown flag or missing value: ${a}`);
    }
  }
  return cfg;
}

// splitHostPort splits "host:port", "[v6]:port" or ":port" (all interfaces).
function splitHostPort(addr) {
  const i = addr.lastIndexOf(':');
  const port = Number(addr.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535 || addr.slice(i + 1) === '') {
    throw new Error(`address ${JSON.stringify(addr)}: want HOST:PORT`);
  }
  let host = addr.slice(0, i);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host: host === '' ? undefined : host, port };
}

function statusText(status) {
  return http.STATUS_CODES[status] || 'Error';
}

// send writes a whole response. Node adds Date and the Connection header
// itself; for HEAD it sends the headers and drops the body.
function send(res, status, type, body) {
  res.writeHead(status, { 'Server': 'loopbench', 'Content-Type': type, 'Content-Length': body.length });
  res.end(body);
}

function sendStatus(res, status) {
  send(res, status, TEXT, Buffer.from(statusText(status)));
}

// sendClosing answers a request the shared parser refuses: status, then close.
function sendClosing(res, status) {
  res.setHeader('Connection', 'close');
  sendStatus(res, status);
}

// param finds the first key=value of the raw query string, as app's param does.
function param(query, key) {
  if (query === '') return undefined;
  for (const kv of query.split('&')) {
    const eq = kv.indexOf('=');
    const k = eq < 0 ? kv : kv.slice(0, eq);
    if (k === key) return eq < 0 ? '' : kv.slice(eq + 1);
  }
  return undefined;
}

// intParam reads a decimal parameter in [lo, hi]; undefined if it is not one.
function intParam(query, key, lo, hi) {
  const v = param(query, key);
  if (v === undefined || !/^[0-9]{1,9}$/.test(v)) return undefined;
  const n = Number(v);
  return lo <= n && n <= hi ? n : undefined;
}

function unhex(c) {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

// fileName percent-decodes a /file name and accepts only a plain name, as
// app's fileName does: [A-Za-z0-9._-], not ".", no "..", 1 to 255 bytes.
function fileName(raw) {
  let dec = '';
  for (let i = 0; i < raw.length; i++) {
    let c = raw.charCodeAt(i);
    if (c === 37) {
      if (i + 2 >= raw.length || unhex(raw.charCodeAt(i + 1)) < 0 || unhex(raw.charCodeAt(i + 2)) < 0) return undefined;
      c = unhex(raw.charCodeAt(i + 1)) * 16 + unhex(raw.charCodeAt(i + 2));
      i += 2;
    }
    dec += String.fromCharCode(c);
  }
  if (dec.length === 0 || dec.length > 255 || dec === '.' || dec.includes('..')) return undefined;
  return /^[A-Za-z0-9._-]+$/.test(dec) ? dec : undefined;
}

// bodyUnread mirrors app.Request.BodyUnread: a body the shared parser would
// not consume (chunked, or over MAX_BODY_BYTES) means the answer closes.
function bodyUnread(req) {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const n = Number(req.headers['content-length']);
  return n > MAX_BODY_BYTES;
}

// UpstreamPool keeps idle kept-alive sockets to the backend, one request in
// flight on each, like servers/internal/upstream.Pool.
class UpstreamPool {
  constructor(addr) {
    this.addr = addr ? splitHostPort(addr) : undefined;
    this.idle = [];
    this.closed = false;
  }

  // call asks the backend for a delay of ms; done(err, body) gets the reply
  // line without its newline.
  call(ms, done) {
    if (this.addr === undefined) {
      done(new Error('upstream: no backend address configured (start the server with --backend HOST:PORT)'));
      return;
    }
    const s = this.idle.pop() || this.connect();
    s.done = done;
    s.buf = '';
    s.setTimeout(ms + UPSTREAM_SLACK_MS);
    s.write(`${ms}\n`);
  }

  connect() {
    const s = net.connect({ host: this.addr.host, port: this.addr.port, noDelay: true });
    s.setEncoding('latin1');
    s.on('data', (chunk) => this.onData(s, chunk));
    s.on('timeout', () => s.destroy(new Error('upstream: timeout')));
    s.on('error', (err) => this.fail(s, err));
    s.on('close', () => this.fail(s, new Error('upstream: connection closed')));
    return s;
  }

  onData(s, chunk) {
    if (s.done === undefined) {
      s.destroy(new Error('upstream: reply without a request'));
      return;
    }
    s.buf += chunk;
    const nl = s.buf.indexOf('\n');
    if (nl < 0) {
      if (s.buf.length > MAX_UPSTREAM_LINE) s.destroy(new Error('upstream protocol: malformed line'));
      return;
    }
    const line = s.buf.slice(0, nl);
    if (nl > MAX_UPSTREAM_LINE || !line.startsWith('upstream ') || nl + 1 !== s.buf.length) {
      s.destroy(new Error('upstream protocol: malformed line'));
      return;
    }
    const done = s.done;
    s.done = undefined;
    s.setTimeout(0);
    this.release(s);
    done(null, Buffer.from(line, 'latin1'));
  }

  release(s) {
    if (this.closed || this.idle.length >= MAX_IDLE_UPSTREAM) {
      s.end();
      return;
    }
    this.idle.push(s);
  }

  fail(s, err) {
    const i = this.idle.indexOf(s);
    if (i >= 0) this.idle.splice(i, 1);
    s.destroy();
    const done = s.done;
    s.done = undefined;
    if (done !== undefined) done(err);
  }

  close() {
    this.closed = true;
    for (const s of this.idle.splice(0)) s.end();
  }
}

// FIFO_BUSY fails a /fifo request that finds every slot taken (503).
const FIFO_BUSY = new Error('fifo: every slot is taken');

// FifoWriter is node's side of /fifo (app/fifo.go, and servers/internal/fifo
// for the Go models): a request takes a slot no other request of this
// process holds and writes one block, the delay then zeros, to the slot's
// FIFO with fs.write, that is uv_fs_write: one write(2) on a libuv pool
// thread, blocked in the kernel until the backend drains the block, which
// it does when the delay has passed since the block began to arrive. So
// the pool thread is held for the whole wait and UV_THREADPOOL_SIZE bounds
// the waits in progress. A slot's descriptor is opened on its first use
// and kept; after a failure (the backend gone or replaced) it is closed
// and the next request on the slot opens the FIFO again. Slots are taken
// last freed first, so few FIFOs are opened. Several node processes given
// one backend would need a share of the slots each (first, first + step, …).
class FifoWriter {
  constructor(dataDir, first = 0, step = 1) {
    this.dir = path.join(dataDir, 'fifo');
    this.free = [];
    for (let slot = FIFO_SLOTS - step + first; slot >= 0; slot -= step) this.free.push(slot);
    this.fds = new Map();
    this.blocks = new Map();
  }

  // wait performs /fifo?ms=N; done(err) once the backend drained the block.
  wait(ms, done) {
    const slot = this.free.pop();
    if (slot === undefined) {
      done(FIFO_BUSY);
      return;
    }
    const finish = (err) => {
      if (err) this.drop(slot);
      this.free.push(slot);
      done(err);
    };
    this.open(slot, (err, fd) => {
      if (err) return finish(err);
      this.writeAll(fd, this.block(slot, ms), 0, finish);
    });
  }

  // open gives the slot's descriptor, opening it on first use. A blocking
  // open of a FIFO waits for a reader, which would hold a pool thread for
  // ever if no backend held it (a FIFO left by a killed backend), so a
  // first open with O_NONBLOCK checks that a reader is there (ENXIO if not,
  // answered 502); the writes need the blocking descriptor opened next,
  // which finds that reader at once (node cannot clear O_NONBLOCK itself).
  open(slot, cb) {
    const fd = this.fds.get(slot);
    if (fd !== undefined) return cb(null, fd);
    const file = path.join(this.dir, String(slot));
    fs.open(file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK, (err, probe) => {
      if (err) return cb(err);
      fs.open(file, fs.constants.O_WRONLY, (err, fd) => {
        fs.close(probe, () => {});
        if (err) return cb(err);
        this.fds.set(slot, fd);
        cb(null, fd);
      });
    });
  }

  // block is the slot's block buffer with ms's header.
  block(slot, ms) {
    let b = this.blocks.get(slot);
    if (b === undefined) {
      b = Buffer.alloc(FIFO_BLOCK);
      this.blocks.set(slot, b);
    }
    b.fill(0, 0, FIFO_HEADER);
    b.write(`${ms}\n`, 0, 'latin1');
    return b;
  }

  // writeAll writes the block from off, again after a write a signal cut
  // short (position null: write(2), not pwrite, which a FIFO refuses).
  writeAll(fd, block, off, cb) {
    fs.write(fd, block, off, block.length - off, null, (err, n) => {
      if (err) return cb(err);
      if (off + n < block.length) return this.writeAll(fd, block, off + n, cb);
      cb(null);
    });
  }

  drop(slot) {
    const fd = this.fds.get(slot);
    if (fd === undefined) return;
    this.fds.delete(slot);
    fs.close(fd, () => {});
  }
}

// App holds what the routes need: the data directory, the backend pool,
// the FIFO writer and how /cpu runs.
class App {
  constructor(cfg) {
    this.dataDir = cfg.dataDir;
    this.cpuOffload = cfg.cpuOffload;
    this.upstream = new UpstreamPool(cfg.backend);
    this.fifoWriter = new FifoWriter(cfg.dataDir);
  }

  // handle routes one request with the checks app.Parse and app.Handle make
  // that Node's parser leaves to the application.
  handle(req, res) {
    const url = req.url;
    if (url.charCodeAt(0) !== 47) return sendClosing(res, 400);
    if (req.httpVersionMajor !== 1 || req.httpVersionMinor > 1) return sendClosing(res, 505);
    if (bodyUnread(req)) res.setHeader('Connection', 'close');
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendStatus(res, 405);
    const q = url.indexOf('?');
    const route = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    switch (route) {
      case '/plaintext': return send(res, 200, TEXT, PLAINTEXT);
      case '/json': return send(res, 200, JSON_TYPE, JSON_BODY);
      case '/sleep': return this.sleep(res, query);
      case '/upstream': return this.callUpstream(res, query);
      case '/file': return this.file(res, query);
      case '/cpu': return this.cpu(res, query);
      case '/fifo': return this.fifo(res, query);
    }
    return sendStatus(res, 404);
  }

  sleep(res, query) {
    const ms = intParam(query, 'ms', 0, MAX_MILLIS);
    if (ms === undefined) return sendStatus(res, 400);
    setTimeout(() => send(res, 200, TEXT, Buffer.from(`slept ${ms} ms`)), ms);
  }

  callUpstream(res, query) {
    const ms = intParam(query, 'ms', 0, MAX_MILLIS);
    if (ms === undefined) return sendStatus(res, 400);
    this.upstream.call(ms, (err, body) => {
      if (err) return sendStatus(res, 502);
      send(res, 200, TEXT, body);
    });
  }

  // file reads with O_NOFOLLOW: the name is a plain name, so the read cannot
  // leave the data directory, not even through a symbolic link.
  file(res, query) {
    const raw = param(query, 'name');
    if (raw === undefined) return sendStatus(res, 400);
    const name = fileName(raw);
    if (name === undefined) return sendStatus(res, 404);
    const flag = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW;
    fs.readFile(path.join(this.dataDir, name), { flag }, (err, data) => {
      if (err) return sendStatus(res, err.code === 'ENOENT' ? 404 : 500);
      send(res, 200, BINARY, data);
    });
  }

  fifo(res, query) {
    const ms = intParam(query, 'ms', 0, MAX_MILLIS);
    if (ms === undefined) return sendStatus(res, 400);
    this.fifoWriter.wait(ms, (err) => {
      if (err) return sendStatus(res, err === FIFO_BUSY ? 503 : 502);
      send(res, 200, TEXT, Buffer.from(`fifo ${ms} ms`));
    });
  }

  cpu(res, query) {
    const iter = intParam(query, 'iter', MIN_ITER, MAX_ITER);
    if (iter === undefined) return sendStatus(res, 400);
    if (!this.cpuOffload) {
      const key = crypto.pbkdf2Sync(CPU_PASSWORD, CPU_SALT, iter, CPU_KEY_LEN, 'sha256');
      return send(res, 200, TEXT, Buffer.from(key.toString('hex')));
    }
    crypto.pbkdf2(CPU_PASSWORD, CPU_SALT, iter, CPU_KEY_LEN, 'sha256', (err, key) => {
      if (err) return sendStatus(res, 500);
      send(res, 200, TEXT, Buffer.from(key.toString('hex')));
    });
  }
}

// clientErrorStatus maps the errors of Node's parser to the status the
// shared application would answer; see Differences in servers/node. llhttp
// uses one code for every version error; only a well-formed version it does
// not support ("HTTP/1.9", "HTTP/3.0") is a 505 for the shared parser.
function clientErrorStatus(err) {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW': return 431;
    case 'HPE_INVALID_VERSION': return err.reason === 'Invalid HTTP version' ? 505 : 400;
    case 'ERR_HTTP_REQUEST_TIMEOUT': return 408;
  }
  return 400;
}

// onClientError answers a request Node's parser refused, in the shared
// application's format, and closes the connection. Answers to the requests
// before it on the connection go first, as pipelining requires.
function onClientError(err, socket) {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  // Node calls this again for every later chunk the failed parser sees.
  if (refused.has(socket)) return;
  refused.add(socket);
  const status = clientErrorStatus(err);
  const body = statusText(status);
  answerAfterPending(socket, `HTTP/1.1 ${status} ${body}\r\nServer: loopbench\r\n` +
    `Date: ${new Date().toUTCString()}\r\nContent-Type: ${TEXT}\r\n` +
    `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
}

// refused holds the sockets whose refusal is written or waiting to be.
const refused = new WeakSet();

// answerAfterPending writes msg and closes once the socket has no response
// in flight (Node assigns queued pipelined responses one after another).
function answerAfterPending(socket, msg) {
  const pending = socket._httpMessage;
  if (pending) {
    pending.once('finish', () => setImmediate(answerAfterPending, socket, msg));
    return;
  }
  if (socket.writable) socket.end(msg);
}

// lagStats reads the loop-delay histogram as lateness in milliseconds.
function lagStats(h) {
  const late = (ns) => Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS);
  if (h.count === 0) return { p50_ms: 0, p99_ms: 0, max_ms: 0 };
  return { p50_ms: late(h.percentile(50)), p99_ms: late(h.percentile(99)), max_ms: late(h.max) };
}

// LagLog measures the loop's lag as monitorEventLoopDelay does, a repeating
// timer every LAG_RESOLUTION_MS whose lateness is the time between firings
// less the interval, and keeps each reading with the wall-clock time the
// loop saw the timer (the time origin plus the monotonic clock), so that the
// harness can take the lag over a point's measured window: the newest
// LAG_KEEP of them, in two rings.
class LagLog {
  constructor() {
    this.at = []; // ms since the Unix epoch
    this.late = []; // µs
    this.next = 0; // once full, the oldest reading, overwritten next
    this.dropped = 0;
    this.last = performance.now();
    this.timer = setInterval(() => this.tick(), LAG_RESOLUTION_MS);
    this.timer.unref();
  }

  tick() {
    const now = performance.now();
    const late = Math.max(0, now - this.last - LAG_RESOLUTION_MS);
    this.last = now;
    this.add(Math.floor(performance.timeOrigin + now), Math.round(late * 1000));
  }

  add(at, lateUs) {
    if (this.at.length < LAG_KEEP) {
      this.at.push(at);
      this.late.push(lateUs);
      return;
    }
    this.at[this.next] = at;
    this.late[this.next] = lateUs;
    this.next = (this.next + 1) % LAG_KEEP;
    this.dropped++;
  }

  stop() {
    clearInterval(this.timer);
  }

  // readings packs the readings, oldest first, as model.LagReadings.
  readings() {
    const n = this.at.length;
    const start = n > 0 ? this.at[this.next] : 0;
    const atMs = new Array(n);
    const lateUs = new Array(n);
    for (let i = 0; i < n; i++) {
      const j = (this.next + i) % n;
      atMs[i] = this.at[j] - start;
      lateUs[i] = this.late[j];
    }
    return { interval_ms: LAG_RESOLUTION_MS, start_unix_ms: start, at_ms: atMs, late_us: lateUs, dropped: this.dropped };
  }
}

function writeStats(file, h, log) {
  if (!file) return;
  const tmp = `${file}.tmp${process.pid}`;
  try {
    fs.writeFileSync(tmp, JSON.stringify({ loop_lag: lagStats(h), lag_readings: log.readings() }) + '\n');
    fs.renameSync(tmp, file);
  } catch (err) {
    process.stderr.write(`node model: writing stats file ${file}: ${err.message}\n`);
  }
}

// newServer returns the http server of the application, with Node's limits
// set to the shared application's.
function newServer(application, cfg) {
  const head = Number(cfg.headTimeoutMs);
  const idle = Number(cfg.idleTimeoutMs);
  // Node looks for requests past headersTimeout only every
  // connectionsCheckingInterval (30 s by default), which would let a
  // slowloris client hold a connection 30 s beyond the bound: look four
  // times per head timeout, at most once a second.
  const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES, noDelay: true, requireHostHeader: true,
    connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(head / 4))) },
    (req, res) => application.handle(req, res));
  // The bounds of the other models (model.Config): a request head must
  // arrive within the head timeout (Node answers 408); an idle keep-alive
  // connection, and one whose client does not take its answer (the socket's
  // inactivity timeout), is closed after the idle timeout. Node itself
  // pauses a pipelining client whose answers its socket has not written.
  server.keepAliveTimeout = idle;
  server.timeout = idle;
  server.headersTimeout = head;
  server.requestTimeout = head;
  server.on('clientError', onClientError);
  return server;
}

// stopOnSignal stops gracefully on SIGTERM or SIGINT: the stats first, then
// no new connections, idle ones closed at once and each busy one as soon as
// its answer is written (STOP_IDLE_MS later at most), the rest after
// STOP_GRACE_MS; the process exits 0 when the last connection is gone.
function stopOnSignal(server, application, lag, log, statsFile) {
  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    lag.disable();
    log.stop();
    writeStats(statsFile, lag, log);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setInterval(() => server.closeIdleConnections(), STOP_IDLE_MS).unref();
    application.upstream.close();
    setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS).unref();
    process.stderr.write(`node model: ${signal}: stopping\n`);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function main() {
  const cfg = parseArgs(process.argv.slice(1));
  if (Number(cfg.workers) > 0 && cluster.isPrimary) return runPrimary(cfg);
  const { host, port } = splitHostPort(cfg.addr);
  const application = new App(cfg);
  const server = newServer(application, cfg);
  const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  lag.enable();
  stopOnSignal(server, application, lag, new LagLog(), cfg.statsFile);
  server.on('error', (err) => {
    process.stderr.write(`node model: listen ${cfg.addr}: ${err.message}\n`);
    process.exit(1);
  });
  // The kernel caps the backlog at net.core.somaxconn, which is what Go's
  // listeners ask for, so every model gets the same accept queue.
  const listen = () => server.listen({ host, port, backlog: 65535 }, () => {
    const a = server.address();
    process.stderr.write(`node model: ${process.version} listening on ${a.address}:${a.port} ` +
      `(UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE || 'default'}, cpu-offload=${cfg.cpuOffload})\n`);
  });
  if (cluster.isWorker) return listenWhenTold(listen);
  listen();
}

try {
  main();
} catch (err) {
  process.stderr.write(`node model: ${err.message}\n`);
  process.exit(2);
}
