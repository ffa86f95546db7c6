# Lab 19 program checks: ./echo_demo N (a server capped at 4 and N clients)
load "$CHECKLIB/check.bash"

@test "program_echoes_every_client" {
    require_program echo_demo
    run_contained 15 ./echo_demo 6
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 15 './echo_demo 6')"
    got=$(grep -c "client [0-9]: got 'hello from client [0-9]'" <<<"$output" || true)
    [ "$got" -eq 6 ] || fail "$(eval_gettext "./echo_demo 6: \$got of 6 clients got their line back up to EOF. Output:")
$output"
    grep -q "server: served 6 clients" <<<"$output" || fail "$(eval_gettext "./echo_demo 6: the server did not report 'served 6 clients' (echo_serve(lfd, 4, 6) must return 6). Output:")
$output"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./echo_demo 6 exited with \$status. Output:")
$output"
    [ -z "$leftovers" ] || fail "$(eval_gettext "processes were still running after ./echo_demo ended: \$leftovers")"
}
