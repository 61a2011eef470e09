-- wrk script for bench/http and bench/gateway: GET <path> with
-- "Cookie: sessionid=<key>", the keys read from <file> (one a line) and
-- taken in turn, each thread starting at its own offset. Prints one RESULT
-- line: the count, errors (all, non-2xx, then by kind) and the latency
-- percentiles p50 and p99 in microseconds; each program reads its fields.
--
--   wrk -t2 -c32 -d10s -s rotate.lua http://127.0.0.1:PORT -- /visit keys.txt

local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  path = args[1]
  keys = {}
  for line in io.lines(args[2]) do
    if line ~= "" then keys[#keys + 1] = line end
  end
  i = (id * 7919) % #keys
end

function request()
  i = i % #keys + 1
  return wrk.format("GET", path, { ["Cookie"] = "sessionid=" .. keys[i] })
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d errors=%d non2xx=%d connect=%d read=%d write=%d timeout=%d p50=%d p99=%d\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    e.connect, e.read, e.write, e.timeout, latency:percentile(50), latency:percentile(99)))
end
