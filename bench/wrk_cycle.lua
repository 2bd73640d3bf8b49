-- Pre-signed requests for wrk (bench/wrk.py): one a line, tab-separated: path, body, then
-- header name and value pairs. Thread k of n sends lines k, k + n, k + 2n, ... in order.
-- Mode "cycle" starts again at its first line when done (for a timed run); mode "once" sends
-- each line once and then stops its thread (for N texts end to end): the requests its
-- connections still had to make meanwhile repeat its last line, which the server answers as a
-- repeat.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

local function split(line)
  local fields = {}
  for field in string.gmatch(line, "([^\t]*)\t?") do
    table.insert(fields, field)
  end
  return fields
end

function init(args)
  local file, mode, total = args[1], args[2], tonumber(args[3])
  cycle = mode == "cycle"
  mine = {}
  local n = 0
  for line in io.lines(file) do
    if n % total == id - 1 and #line > 0 then
      local f = split(line)
      local headers = {}
      for k = 3, #f - 1, 2 do
        if #f[k] > 0 then headers[f[k]] = f[k + 1] end
      end
      table.insert(mine, wrk.format("POST", f[1], headers, f[2]))
    end
    n = n + 1
  end
  if id == 1 and #mine > 0 then
    -- wrk calls request() once on the first thread's state to check the script: that call
    -- takes this copy, so the first line is still sent.
    table.insert(mine, 1, mine[1])
  end
  next_index, answered = 1, 0
end

function request()
  local r = mine[next_index]
  if next_index < #mine then
    next_index = next_index + 1
  elseif cycle then
    next_index = 1
  end
  return r
end

function response(status, headers, body)
  answered = answered + 1
  if not cycle and answered >= #mine then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.6f, "errors": %d, "p50_ms": %.3f, "p99_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
