/*
 * traffic_main.c - the `traffic` program. (Given: do not edit.)
 *
 *     ./traffic [CARS] [CYCLES]   one light, CARS cars (default 5) arriving
 *                                 one after another, CYCLES red/green cycles (2)
 */
#include "event.h"
#include "proclabs.h"
#include "road.h"
#include "traffic.h"

#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int cars = argc > 1 ? atoi(argv[1]) : 5;
    int cycles = argc > 2 ? atoi(argv[2]) : 2;
    if (cars < 1 || cars > 32 || cycles < 1 || cycles > 10)
        fatal("usage: %s [CARS] [CYCLES]   (1 to 32 cars, 1 to 10 cycles)", argv[0]);

    struct event *green = shared_alloc(sizeof *green);
    if (event_init(green) < 0) fatal("event_init failed");
    struct road *road = road_watch(green);

    pid_t light = Fork();
    if (light == 0) {
        run_light(green, cycles, scaled_ms(1500), scaled_ms(1000));
        _exit(0);
    }
    pid_t pids[32];
    for (int i = 0; i < cars; i++) {
        pids[i] = Fork();
        if (pids[i] == 0) {
            sleep_ms(scaled_ms(700) * i); /* car i arrives 0.7 s after car i-1 */
            run_car(green, i);
            _exit(0);
        }
    }
    for (int i = 0; i < cars; i++)
        Waitpid(pids[i], NULL, 0);
    Waitpid(light, NULL, 0);

    int passed = road->crossings < ROAD_MAX ? road->crossings : ROAD_MAX;
    log_line("parent: %d cars crossed, %d cars arrived", passed, cars);
    event_destroy(green);
    return passed == cars ? 0 : 1;
}
