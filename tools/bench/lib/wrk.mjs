import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { runPinnedMeasured } from './processes.mjs';

/**
 * wrk as the load generator: one Lua script per measurement (method, path, headers and body, the
 * S3 create-then-delete sequence, or one body (S6) or header (S7) per request from a file),
 * `--latency` for the percentiles. The script also counts
 * responses by whether their status was the expected one, so a run that measured errors fails
 * loudly instead of reporting a fast error page.
 */

/** @typedef {import('./load.mjs').LoadSpec} LoadSpec */

/** Scripts written by this process: two generators may start in the same millisecond. */
let scripts = 0;
/** @typedef {import('./load.mjs').LoadResult} LoadResult */

/**
 * @param {LoadSpec} spec
 * @param {{ seconds: number, connections: number, cpu?: number | string, workDir: string }} options
 * @returns {Promise<LoadResult>}
 */
export async function runWrk(spec, options) {
  const script = join(options.workDir, `wrk-${process.pid}-${++scripts}.lua`);
  writeFileSync(script, luaScript(spec));
  const prefix = `b${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const args = [
    '-t1',
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    '--timeout',
    '10s',
    '--latency',
  ];
  args.push('-s', script, `${spec.url}/`, '--', prefix);
  const { output, cpu } = await runPinnedMeasured('wrk', args, {
    cpu: options.cpu,
    timeoutMs: (options.seconds + 60) * 1000,
  });
  return { ...parseWrkOutput(output), generatorCpu: cpu };
}

/** Durations as wrk prints them (`812.00us`, `1.25ms`, `2.01s`, `1.00m`), in milliseconds. */
export function toMs(value, unit) {
  const factor = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit];
  if (factor === undefined) throw new Error(`unknown wrk time unit ${unit}`);
  return Number(value) * factor;
}

/**
 * Reads `Requests/sec`, the 50% and 99% lines of `--latency`, the socket errors and the status
 * counts the Lua `done()` prints.
 *
 * @param {string} output
 * @returns {LoadResult}
 */
export function parseWrkOutput(output) {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s|m|h)\s*$/m.exec(output);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m|h)\s*$/m.exec(output);
  const counts = /^BENCH_RESULT ok=(\d+) bad=(\d+) last_bad_status=(\d+) exhausted=(\d+)/m.exec(
    output,
  );
  if (!rps || !p50 || !p99 || !counts) throw new Error(`could not read wrk's output:\n${output}`);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  return {
    requestsPerSecond: Number(rps[1]),
    p50Ms: toMs(p50[1], p50[2]),
    p99Ms: toMs(p99[1], p99[2]),
    expected: Number(counts[1]),
    unexpected: Number(counts[2]),
    lastUnexpectedStatus: Number(counts[3]) || null,
    socketErrors: errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    exhausted: Number(counts[4]),
  };
}

/** A Lua string literal; our values are ASCII (ids, base64url, JSON, form bodies). */
function lua(value) {
  if (!/^[\x20-\x7e]*$/.test(value)) throw new Error(`not printable ASCII: ${value}`);
  return JSON.stringify(value);
}

/** @param {Record<string, string>} headers */
function luaHeaders(headers) {
  return `{ ${Object.entries(headers)
    .map(([k, v]) => `[${lua(k)}] = ${lua(v)}`)
    .join(', ')} }`;
}

/** @param {LoadSpec} spec */
function luaScript(spec) {
  const expect = spec.expect.map((status) => `[${status}] = true`).join(', ');
  const counting = `
local expected_status = { ${expect} }
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  ok = 0; bad = 0; last_bad_status = 0; exhausted = 0
  prefix = args[1] or tostring(os.time())
  if prepare then prepare() end
end
function count(status)
  if expected_status[status] then ok = ok + 1 else bad = bad + 1; last_bad_status = status end
end
function done(summary, latency, requests)
  local o, b, s, x = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    o = o + t:get("ok"); b = b + t:get("bad"); x = x + t:get("exhausted")
    if t:get("last_bad_status") ~= 0 then s = t:get("last_bad_status") end
  end
  io.write(string.format("BENCH_RESULT ok=%d bad=%d last_bad_status=%d exhausted=%d\\n", o, b, s, x))
end
`;
  if (spec.kind === 'create-delete') {
    // One Lua state per wrk thread serves all its connections: ids from create responses go on a
    // queue and the next request deletes one, so creates and deletes alternate and the number of
    // live PATs stays near the connection count.
    return `${counting}
local queue = {}
local created = 0
local create_headers = ${luaHeaders({ ...spec.headers, 'content-type': 'application/json' })}
local delete_headers = ${luaHeaders(spec.headers ?? {})}
request = function()
  local id = table.remove(queue)
  if id then return wrk.format("DELETE", ${lua(spec.path)} .. "/" .. id, delete_headers, nil) end
  created = created + 1
  local body = '{"name":"bench ' .. prefix .. ' ' .. created .. '"}'
  return wrk.format("POST", ${lua(spec.path)}, create_headers, body)
end
response = function(status, headers, body)
  count(status)
  if status == 200 then
    local id = string.match(body, '"id"%s*:%s*"(%x+)"')
    if id then table.insert(queue, id) end
  end
end
`;
  }
  if (spec.kind === 'once') {
    if (spec.lines === undefined) throw new Error(`${spec.path}: a once spec needs lines`);
    // The lines are read in init(), by the thread's Lua state only (the main state runs setup
    // and done). wrk runs one thread (-t1), so one list and one counter serve every connection
    // and no line is sent twice. wrk.format copies the headers at once, so one table serves.
    const send =
      spec.onceHeader === undefined
        ? 'once_headers, line'
        : `once_headers, ${spec.body === undefined ? 'nil' : lua(spec.body)}`;
    const setHeader =
      spec.onceHeader === undefined ? '' : `\n  once_headers[${lua(spec.onceHeader)}] = line`;
    return `${counting}
local lines = {}
local sent = 0
local once_headers = ${luaHeaders(spec.headers ?? {})}
function prepare()
  for line in io.lines(${lua(spec.lines)}) do
    if line ~= "" then lines[#lines + 1] = line end
  end
end
request = function()
  sent = sent + 1
  local line = lines[sent]
  if line == nil then exhausted = exhausted + 1; line = lines[#lines] end${setHeader}
  return wrk.format(${lua(spec.method)}, ${lua(spec.path)}, ${send})
end
response = function(status, headers, body) count(status) end
`;
  }
  const headerLines = Object.entries(spec.headers ?? {})
    .map(([k, v]) => `wrk.headers[${lua(k)}] = ${lua(v)}`)
    .join('\n');
  return `${counting}
wrk.method = ${lua(spec.method)}
wrk.path = ${lua(spec.path)}
${spec.body === undefined ? '' : `wrk.body = ${lua(spec.body)}`}
${headerLines}
response = function(status, headers, body) count(status) end
`;
}
