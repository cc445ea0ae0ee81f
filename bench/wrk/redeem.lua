-- Redeems one pre-minted value per request: the authorization codes mint.lua collected.
-- Each thread takes every n-th line of the file, so no code is sent twice.
--   BENCH_CODES_FILE=codes.txt wrk -s redeem.lua URL -- 'body with CODE in it'
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
    next_value = 1
end

function request()
    local value = queue[next_value]
    if value == nil then
        -- Out of codes: stop this thread rather than send a request that would fail.
        exhausted = 1
        wrk.thread:stop()
        value = "exhausted"
    end
    next_value = next_value + 1
    local body = template:gsub("CODE", value)
    return wrk.format("POST", nil, { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

function done(summary, latency, requests)
    for _, thread in ipairs(threads) do
        if thread:get("exhausted") == 1 then
            io.write("EXHAUSTED\n")
        end
    end
end
