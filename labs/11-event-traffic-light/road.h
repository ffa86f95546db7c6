/*
 * road.h - lab 11: what the street saw. (Given: do not edit; you do not need
 * to call these, the `traffic` program and the checks do.)
 *
 * light_show() and car_cross() record every show and every crossing in
 * shared memory, with the event's flag at that moment, so the checks can
 * tell what really happened instead of trusting printed lines.
 */
#ifndef ROAD_H
#define ROAD_H

#include "event.h"

#include <stdbool.h>
#include <sys/types.h>

enum { ROAD_MAX = 64 };

struct road {
    struct event *event; /* the event the light drives */
    int shows;           /* light_show() calls */
    bool show_green[ROAD_MAX];
    bool flag_at_show[ROAD_MAX]; /* the event's flag when the colour was shown */
    double show_ms[ROAD_MAX];
    pid_t light;                   /* the process that called light_show() last */
    bool slept[ROAD_MAX];          /* it called sleep_ms() while change k showed */
    bool flag_at_sleep[ROAD_MAX];  /* the event's flag at that first sleep_ms() */
    int greens;    /* how many times green was shown */
    int crossings; /* car_cross() calls */
    int cross_car[ROAD_MAX];
    int greens_before_cross[ROAD_MAX]; /* 0: the car crossed before the first green */
    bool green_at_cross[ROAD_MAX];     /* the light showed green when it crossed */
    double cross_ms[ROAD_MAX];
};

/* Start recording (shared memory, survives fork) what happens around e. */
struct road *road_watch(struct event *e);

#endif
