-- Spends pre-minted values, each once: the authorization codes mint.lua collected, or
-- refresh tokens. Each thread takes every n-th line of BENCH_CODES_FILE, so no value is
-- sent twice; CODE in the body template is replaced by the value.
--   BENCH_CODES_FILE=codes.txt wrk -s redeem.lua URL -- 'body with CODE in it' [rotate]
-- With `rotate` (refresh-token rotation), each response's refresh token joins the queue, so
-- a thread needs only one token per connection (plus a spare: wrk calls request() once
-- more to check the script); a reused token would revoke its family.
local threads = {}
local counter = 0

function setup(thread)
    thread:set("index", counter)
    counter = counter + 1
    table.insert(threads, thread)
end

function init(args)
    template = args[1]
    rotate = args[2] == "rotate"
    queue, first, last = {}, 1, 0
    exhausted = 0
    local line_number = 0
    for line in io.lines(os.getenv("BENCH_CODES_FILE")) do
        if line_number % tonumber(os.getenv("BENCH_THREADS")) == index then
            last = last + 1
            queue[last] = line
        end
        line_number = line_number + 1
    end
    if not rotate then
        -- Without a response() wrk does not hand the script each body: the code exchange
        -- is measured without that client-side cost.
        response = nil
    end
end

function request()
    local value = queue[first]
    if value == nil then
        -- Out of values: stop this thread rather than send a request that would fail.
        exhausted = 1
        wrk.thread:stop()
        value = "exhausted"
    end
    queue[first] = nil
    first = first + 1
    local body = template:gsub("CODE", value)
    return wrk.format("POST", nil, { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

function response(status, headers, body)
    local token = body:match('"refresh_token":"([^"]+)"')
    if token then
        last = last + 1
        queue[last] = token
    end
end

function done(summary, latency, requests)
    for _, thread in ipairs(threads) do
        if thread:get("exhausted") == 1 then
            io.write("EXHAUSTED\n")
        end
    end
end
