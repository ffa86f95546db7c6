/*
 * road.c - lab 11: the street the light and the cars share. (Given: do not
 * edit.) Prints what happens and records it for the checks (road.h).
 */
#include "road.h"
#include "proclabs.h"
#include "traffic.h"

#include <unistd.h>

static struct road *road; /* set by road_watch() before the forks */

struct road *road_watch(struct event *e)
{
    road = shared_alloc(sizeof *road);
    road->event = e;
    return road;
}

void light_show(bool green)
{
    log_line("light: %s", green ? "green" : "red");
    if (!road) return;
    int k = __atomic_fetch_add(&road->shows, 1, __ATOMIC_SEQ_CST);
    if (green) __atomic_add_fetch(&road->greens, 1, __ATOMIC_SEQ_CST);
    if (k < ROAD_MAX) {
        road->show_green[k] = green;
        road->flag_at_show[k] = __atomic_load_n(&road->event->flag, __ATOMIC_SEQ_CST);
        road->show_ms[k] = now_ms();
    }
    road->light = getpid();
}

/* Called by sleep_ms() (common/runtime.c): the flag when the light first
 * sleeps after a change, so a check knows whether green was set before its
 * sleep without timing anything. */
void proclabs_before_sleep(double ms)
{
    (void)ms;
    if (!road || getpid() != road->light) return;
    int k = __atomic_load_n(&road->shows, __ATOMIC_SEQ_CST) - 1;
    if (k >= 0 && k < ROAD_MAX && !road->slept[k]) {
        road->flag_at_sleep[k] = __atomic_load_n(&road->event->flag, __ATOMIC_SEQ_CST);
        road->slept[k] = true;
    }
}

void car_cross(int car)
{
    log_line("car %d: passes", car);
    if (!road) return;
    int k = __atomic_fetch_add(&road->crossings, 1, __ATOMIC_SEQ_CST);
    if (k < ROAD_MAX) {
        road->cross_car[k] = car;
        int greens = __atomic_load_n(&road->greens, __ATOMIC_SEQ_CST);
        int shows = __atomic_load_n(&road->shows, __ATOMIC_SEQ_CST);
        road->greens_before_cross[k] = greens;
        road->green_at_cross[k] = shows > 0 && shows <= ROAD_MAX && road->show_green[shows - 1];
        road->cross_ms[k] = now_ms();
    }
}
