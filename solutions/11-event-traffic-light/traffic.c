/* traffic.c - lab 11, reference solution: the light and the cars. */
#include "proclabs.h"
#include "traffic.h"

void run_light(struct event *green, int cycles, double red_ms, double green_ms)
{
    for (int i = 0; i < cycles; i++) {
        event_clear(green); /* cars arriving now must wait... */
        light_show(false);  /* ...before anyone sees red */
        sleep_ms(red_ms);
        light_show(true);
        event_set(green); /* wakes every car waiting at red */
        sleep_ms(green_ms);
    }
}

void run_car(struct event *green, int n)
{
    if (!event_is_set(green)) {
        log_line("car %d: waits at red", n);
        while (!event_wait(green, -1)) /* sleeps; loops only if woken without green */
            ;
    }
    car_cross(n);
}
