-- wrk script for bench/run: POSTs {"counter_name": COUNTER_NAME, "amount": 1} to PATH, the same
-- body for the region node (/increment), the gateway (/api/increment) and the bare endpoint
-- (/increment). Arguments after `--`: PATH COUNTER_NAME MAX_RESPONSES_PER_THREAD.
-- Every response outside 200-299 counts as an error. A thread stops after
-- MAX_RESPONSES_PER_THREAD responses, so a run is bounded in count as well as by wrk's -d.
-- done() prints one RESULT line that bench/run parses.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local path = args[1]
  local counter_name = args[2]
  max_responses = tonumber(args[3])
  if path == nil or counter_name == nil or max_responses == nil then
    error("usage: wrk ... -s increment.lua URL -- PATH COUNTER_NAME MAX_RESPONSES_PER_THREAD")
  end
  errors = 0
  responses = 0
  local body = string.format('{"counter_name":"%s","amount":1}', counter_name)
  increment_request = wrk.format("POST", path, { ["Content-Type"] = "application/json" }, body)
end

function request()
  return increment_request
end

function response(status, headers, body)
  responses = responses + 1
  if status < 200 or status > 299 then
    errors = errors + 1
  end
  if responses >= max_responses then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local non_2xx = 0
  for _, thread in ipairs(threads) do
    non_2xx = non_2xx + thread:get("errors")
  end
  local socket_errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f non_2xx=%d socket_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    non_2xx, socket_errors))
end
