-- Refresh-token rotation: each response carries the next refresh token, which the next
-- request on this thread sends (a reused token would revoke its family). Seeded with one
-- token per connection (plus a spare: wrk calls request() once more to check the script)
-- from BENCH_CODES_FILE.
--   wrk -s refresh.lua URL -- 'grant_type=refresh_token&refresh_token=CODE&…'
local threads = {}
local counter = 0

function setup(thread)
    thread:set("index", counter)
    counter = counter + 1
    table.insert(threads, thread)
end

function init(args)
    template = args[1]
    queue = {}
    exhausted = 0
    local line_number = 0
    for line in io.lines(os.getenv("BENCH_CODES_FILE")) do
        if line_number % tonumber(os.getenv("BENCH_THREADS")) == index then
            queue[#queue + 1] = line
        end
        line_number = line_number + 1
    end
end

function request()
    local token = table.remove(queue)
    if token == nil then
        exhausted = 1
        wrk.thread:stop()
        token = "exhausted"
    end
    local body = template:gsub("CODE", token)
    return wrk.format("POST", nil, { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

function response(status, headers, body)
    local token = body:match('"refresh_token":"([^"]+)"')
    if token then
        queue[#queue + 1] = token
    end
end

function done(summary, latency, requests)
    for _, thread in ipairs(threads) do
        if thread:get("exhausted") == 1 then
            io.write("EXHAUSTED\n")
        end
    end
end
