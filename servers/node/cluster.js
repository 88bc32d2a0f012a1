// cluster.js is the node model's cluster, appended to server.js when node
// runs it (servers/node/node.go joins the two into the one script node runs
// with -e, strict as server.js's first line makes it): with --workers N,
// server.js's main hands over to runPrimary here. Function declarations are
// hoisted over the whole script, so main can call them; this file defines
// nothing else, since its top level runs only after main has.

// runPrimary runs Node's cluster as its users run one server per core: with
// --workers N this process is the primary, which serves nothing itself and
// forks N workers, each this script with the same flags serving on the
// shared port (the primary accepts and hands each connection to a worker in
// turn, Node's default scheduling on Linux), all of them listening once
// every one is ready (listenWhenTold). Each worker writes its own
// stats file; on SIGTERM or SIGINT the primary passes the signal on, waits
// for every worker (killing those still running after WORKER_KILL_MS) and
// writes the stats file from theirs (mergeStats). A worker that exits
// unasked stops the whole cluster with status 1, so a measurement never
// runs on fewer workers than it names; a worker whose primary dies exits
// too (Node's cluster does so when the IPC channel closes).
function runPrimary(cfg) {
  const evalMode = process.execArgv.includes('-e') || process.execArgv.includes('--eval');
  const args = process.argv.slice(evalMode ? 1 : 2);
  const files = [];
  let failed = false;
  let live = 0;
  let stopping = false;
  const stop = (why) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`node model: ${why}: stopping the cluster's workers\n`);
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM');
    setTimeout(() => {
      for (const w of Object.values(cluster.workers)) w.process.kill('SIGKILL');
    }, WORKER_KILL_MS).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  let ready = 0;
  cluster.on('message', (worker, m) => {
    if (m !== 'ready' || ++ready < Number(cfg.workers)) return;
    for (const w of Object.values(cluster.workers)) w.send('listen');
  });
  cluster.on('exit', (worker, code, signal) => {
    live--;
    // A worker stopped by the signal itself had not yet set up its handler.
    if (code !== 0 && !(stopping && signal === 'SIGTERM')) failed = true;
    if (!stopping) stop(`worker ${worker.process.pid} exited unasked (${signal || 'status ' + code})`);
    if (live > 0) return;
    mergeStats(cfg.statsFile, files);
    process.exit(failed ? 1 : 0);
  });
  const n = Number(cfg.workers);
  for (let i = 0; i < n; i++) {
    const own = cfg.statsFile ? ['--stats-file', `${cfg.statsFile}.worker${i}`] : [];
    files.push(own[1]);
    cluster.setupPrimary({ exec: evalMode ? '--' : process.argv[1], args: args.concat(own) });
    cluster.fork();
    live++;
  }
  process.stderr.write(`node model: ${process.version} cluster primary ${process.pid} started ${n} workers on ${cfg.addr}\n`);
}

// mergeStats writes the cluster's stats file from its workers' files, which
// it removes: each lag figure is the largest of the workers' (percentiles of
// separate histograms do not merge exactly, and the largest bounds the
// merged one from above), with the number of workers it read, and, where
// every worker kept its lag readings with their times (lag_readings, the
// format of servers/model's LagReadings), all of them in one list
// (mergeReadings), which merges exactly.
function mergeStats(file, files) {
  if (!file) return;
  const stats = [];
  for (const f of files) {
    try {
      stats.push(JSON.parse(fs.readFileSync(f, 'utf8')));
      fs.unlinkSync(f);
    } catch (err) {
      process.stderr.write(`node model: a worker's stats file ${f}: ${err.message}\n`);
    }
  }
  if (stats.length === 0) return;
  const worst = (k) => Math.max(...stats.map((s) => s.loop_lag[k]));
  const merged = { loop_lag: { p50_ms: worst('p50_ms'), p99_ms: worst('p99_ms'), max_ms: worst('max_ms') }, loops: stats.length };
  if (stats.every((s) => s.lag_readings)) merged.lag_readings = mergeReadings(stats.map((s) => s.lag_readings));
  const tmp = `${file}.tmp${process.pid}`;
  try {
    fs.writeFileSync(tmp, JSON.stringify(merged) + '\n');
    fs.renameSync(tmp, file);
  } catch (err) {
    process.stderr.write(`node model: writing stats file ${file}: ${err.message}\n`);
  }
}

// mergeReadings puts several loops' readings in one list, oldest first:
// each reading at start_unix_ms + at_ms[i], late late_us[i]; the drops add.
function mergeReadings(rs) {
  const all = [];
  for (const r of rs) {
    for (let i = 0; i < r.at_ms.length; i++) all.push([r.start_unix_ms + r.at_ms[i], r.late_us[i]]);
  }
  all.sort((a, b) => a[0] - b[0]);
  const start = all.length > 0 ? all[0][0] : 0;
  return { interval_ms: rs[0].interval_ms, start_unix_ms: start, at_ms: all.map((x) => x[0] - start),
    late_us: all.map((x) => x[1]), dropped: rs.reduce((n, r) => n + (r.dropped || 0), 0) };
}

// listenWhenTold has a cluster's worker say it is ready and listen once its
// primary says so, which it does when every worker is ready (runPrimary):
// the primary hands each connection to a worker when it accepts it, and
// kept-alive connections stay where they were handed, so a worker that
// listened late would be left the connections the others did not take.
function listenWhenTold(listen) {
  process.on('message', (m) => {
    if (m === 'listen') listen();
  });
  process.send('ready');
}
