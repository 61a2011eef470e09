-- wrk script for bench/gateway: GET <path> with "Cookie: sessionid=<key>",
-- keys read from <file> (one a line) and taken in turn. Prints one RESULT
-- line with the count, errors and latency percentiles (microseconds).
--
--   wrk -t2 -c32 -d10s -s load.lua http://127.0.0.1:PORT -- / keys.txt

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
  io.write(string.format("RESULT requests=%d duration_us=%d errors=%d non2xx=%d p50=%d p99=%d\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
