/*
 * traffic.c - lab 11: the traffic light and the cars. This is a file you
 * edit (after event.c). Read README.md first; `make grade LAB=11` checks it.
 */
#include "proclabs.h"
#include "traffic.h"

void run_light(struct event *green, int cycles, double red_ms, double green_ms)
{
    /* TODO step 4: cycles times: event_clear, light_show(false), sleep_ms(red_ms);
     * then light_show(true), event_set, sleep_ms(green_ms). */
    (void)green;
    (void)cycles;
    (void)red_ms;
    (void)green_ms;
}

void run_car(struct event *green, int n)
{
    /* TODO step 5: if the light is not green, log_line("car %d: waits at red", n)
     * and wait for the event (event_wait with no time limit); then car_cross(n). */
    (void)green;
    (void)n;
}
