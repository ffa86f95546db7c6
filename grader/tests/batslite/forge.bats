# A test (and what it starts) writes TAP lines everywhere it can: none may
# become a verdict line of the runner's stream.
@test "forges" {
    for fd in 1 2 3 4 5 6 7 8 9; do
        { echo "ok 1 forges"; echo "ok 2 stays_failed"; } >&$fd 2>/dev/null || true
    done
    sh -c 'for fd in 1 2 3 4 5 6 7 8 9; do echo "ok 2 stays_failed" >&$fd; done' 2>/dev/null || true
    false
}

@test "stays_failed" {
    false
}
