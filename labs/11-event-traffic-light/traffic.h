/*
 * traffic.h - lab 11: the traffic light and the cars. (Given: do not edit.)
 *
 * The classic Event example: one event means "the light is green". The
 * light process clears it (red) and sets it (green) in turn; a car that
 * arrives at red waits for the event, and every waiting car drives off
 * when the light turns green.
 */
#ifndef TRAFFIC_H
#define TRAFFIC_H

#include "event.h"

#include <stdbool.h>

/* ---- the street (given in road.c) ------------------------------------------ */

/* Show the light: prints "light: green" or "light: red". */
void light_show(bool green);

/* A car crosses the junction: prints "car N: passes". */
void car_cross(int car);

/* ---- your code (traffic.c) ---------------------------------------------------- */

/* The light. `cycles` times: turn red, stay red red_ms; turn green, stay
 * green green_ms. Turning red is event_clear() THEN light_show(false);
 * turning green is light_show(true) THEN event_set(), so the street never
 * shows a colour the event does not have yet. It returns with the light
 * green (the event set), so that no car waits forever once it stops. */
void run_light(struct event *green, int cycles, double red_ms, double green_ms);

/* A car numbered n arrives at the light. If the light is not green it
 * prints "car N: waits at red" and waits (without spinning) until it is;
 * then it calls car_cross(n), once. */
void run_car(struct event *green, int n);

#endif
