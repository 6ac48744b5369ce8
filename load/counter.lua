-- wrk script for load/run. Arguments after `--`: MODE COUNTER_NAME MAX_RESPONSES_PER_THREAD.
--   basic:    alternates POST /api/increment and GET /api/counter/COUNTER_NAME (gateway)
--   eventual: POST /api/increment (gateway)
--   strong:   POST /increment (strong counter)
-- Every response outside 200-299 counts as an error. A thread stops after
-- MAX_RESPONSES_PER_THREAD responses, so a run is bounded in count as well as by wrk's -d.
-- done() prints one RESULT line that load/run parses.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  mode = args[1]
  counter_name = args[2]
  max_responses = tonumber(args[3])
  if (mode ~= "basic" and mode ~= "eventual" and mode ~= "strong") or counter_name == nil or max_responses == nil then
    error("usage: wrk ... -s counter.lua URL -- basic|eventual|strong COUNTER_NAME MAX_RESPONSES_PER_THREAD")
  end

  errors = 0
  responses = 0
  sent = 0
  local body = string.format('{"counter_name":"%s","amount":1}', counter_name)
  local headers = { ["Content-Type"] = "application/json" }
  local increment_path = "/api/increment"
  if mode == "strong" then
    increment_path = "/increment"
  end
  increment_request = wrk.format("POST", increment_path, headers, body)
  read_request = wrk.format("GET", "/api/counter/" .. counter_name)
end

function request()
  sent = sent + 1
  if mode == "basic" and sent % 2 == 0 then
    return read_request
  end
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
    "RESULT requests=%d seconds=%.2f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f non_2xx=%d socket_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    non_2xx, socket_errors))
end
